"""`flask export ...`: the staff exports from the command line."""

from flask.cli import AppGroup

export_cli = AppGroup("export", help="Export volunteers, activities, check-ins and hours.")
