"""Station and district dashboards."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
