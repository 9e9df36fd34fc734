"""The T itself and what the rest stands on: people and their accounts, the organisation, the
hour ledger, the exchange of hours, the audit log, notifications and the shared web edge.

`timebank` never imports `volunteers` (a test reads the imports). Where the core needs a fact
the coordination layer keeps (where a resident lives), it reads it through a finder that
`volunteers.init_app` installs (`timebank.org.services.home_of`).
"""

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from timebank.clock import render_migration_item
from timebank.extensions import babel, csrf, db, limiter, login_manager, migrate
from timebank.i18n import install_template_gettext, select_locale


def init_app(app) -> None:
    from timebank import (
        accounts,
        audit,
        consents,
        database,
        demo,
        errors,
        exchange,
        guesses,
        imports,
        ledger,
        notifications,
        org,
        personal_data,
        privacy,
        scheduler,
        settings,
        stars,
        web,
    )

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"),
                     render_as_batch=True, compare_type=True,
                     render_item=render_migration_item)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_timezone=app.config["TIMEZONE"])
    install_template_gettext(app)
    limiter.init_app(app)
    guesses.init_app(app)
    proxies = {key: app.config[f"PROXY_FIX_X_{key.upper()}"] for key in ("for", "proto", "host")}
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies["for"], x_proto=proxies["proto"],
                                x_host=proxies["host"])
    errors.register_error_handlers(app)
    app.before_request(database.mark_request_transactions)
    app.extensions.setdefault("timebank.jobs", {})
    app.extensions.setdefault("timebank.demo_seeders", []).append(demo.seed)
    app.cli.add_command(demo.seed_demo_command)
    app.cli.add_command(scheduler.scheduler_cli)
    for package in (web, accounts, consents, org, ledger, exchange, notifications, audit,
                    settings, imports, stars, personal_data, privacy):
        package.init_app(app)
