"""Imports of the district's spreadsheets: towns and communities, staff, volunteers
(`services` has the rules; `flask import` and the upload page `/admin/imports/` call them)."""


def init_app(app) -> None:
    from timebank.imports import cli, services, views

    services.init_app(app)
    app.cli.add_command(cli.import_command)
    app.register_blueprint(views.bp)
    # First of all hooks: the others read the body, which the upload page allows to be larger.
    app.before_request_funcs.setdefault(None, []).insert(0, views.allow_large_uploads)
