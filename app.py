"""The application factory. It only wires: settings, then the core, then volunteer service.

Every package registers its own blueprints, commands, jobs and demo data in `init_app`.
"""

from flask import Flask

import timebank
import volunteers
from timebank import config


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.configure(app, test_config)
    timebank.init_app(app)
    volunteers.init_app(app)
    return app
