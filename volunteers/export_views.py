"""Excel and CSV exports for staff."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/reports/exports")
