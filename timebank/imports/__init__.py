"""Imports of the district's spreadsheets: towns and communities, staff, volunteers
(`services` has the rules; `flask import` and the upload page `/admin/imports/` call them)."""


def init_app(app) -> None:
    from timebank.imports import cli, services, views

    services.init_app(app)
    app.cli.add_command(cli.import_command)
    app.register_blueprint(views.bp)
    # First of all hooks, before those that read the body (CSRF's among them), which the upload
    # page allows to be larger. It runs no query, so the transaction mode that
    # `timebank.database.mark_request_transactions` sets still holds from the first statement.
    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_large_uploads)
