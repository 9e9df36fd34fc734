"""The district settings' shapes: the API's and the page's form alike (lower-case names)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema

#: API and form field → the setting's name (`timebank.settings.services.SETTINGS`).
FIELDS = {
    "checkin_rounding_minutes": "CHECKIN_ROUNDING_MINUTES",
    "pool_grant_monthly_cap_minutes": "POOL_GRANT_MONTHLY_CAP_MINUTES",
    "correction_due_working_days": "CORRECTION_DUE_WORKING_DAYS",
    "complaint_accept_working_days": "COMPLAINT_ACCEPT_WORKING_DAYS",
    "complaint_answer_working_days": "COMPLAINT_ANSWER_WORKING_DAYS",
    "complaint_follow_up_working_days": "COMPLAINT_FOLLOW_UP_WORKING_DAYS",
    "follow_up_sample_percent": "FOLLOW_UP_SAMPLE_PERCENT",
    "follow_up_sample_minimum": "FOLLOW_UP_SAMPLE_MINIMUM",
    "approval_auto_daily_minutes": "APPROVAL_AUTO_DAILY_MINUTES",
    "approval_manager_daily_minutes": "APPROVAL_MANAGER_DAILY_MINUTES",
    "approve_at_checkout": "APPROVE_AT_CHECKOUT",
    "personal_data_retention_years": "PERSONAL_DATA_RETENTION_YEARS",
    "spending_unit": "SPENDING_UNIT",
    "minutes_per_coin": "MINUTES_PER_COIN",
    "spending_min_served_minutes": "SPENDING_MIN_SERVED_MINUTES",
    "balance_cap_minutes": "BALANCE_CAP_MINUTES",
    "whole_unit_redemption": "WHOLE_UNIT_REDEMPTION",
    "grant_monthly_budget_minutes": "GRANT_MONTHLY_BUDGET_MINUTES",
}


def _reason():
    return fields.String(required=True, validate=validate.Length(
        min=1, max=500, error=_l("Say why (up to 500 characters).")))


class SettingSchema(BaseSchema):
    name = fields.Function(lambda row: next(key for key, name in FIELDS.items()
                                            if name == row["name"]))
    value = fields.Integer()
    default = fields.Integer(metadata={"description": "The app's value, used when none is stored"})
    stored = fields.Boolean(metadata={"description": "Whether the district has set it"})
    choices = fields.List(fields.Integer())
    minimum = fields.Integer()
    maximum = fields.Integer()
    updated_by_id = fields.Function(lambda row: row["updated_by"].id if row["updated_by"] else None,
                                    allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)


class SettingsSchema(BaseSchema):
    checkin_rounding_minutes = fields.Integer()
    pool_grant_monthly_cap_minutes = fields.Integer()
    correction_due_working_days = fields.Integer()
    complaint_accept_working_days = fields.Integer()
    complaint_answer_working_days = fields.Integer()
    complaint_follow_up_working_days = fields.Integer()
    follow_up_sample_percent = fields.Integer()
    follow_up_sample_minimum = fields.Integer()
    approval_auto_daily_minutes = fields.Integer()
    approval_manager_daily_minutes = fields.Integer()
    approve_at_checkout = fields.Integer(metadata={"description": "1 yes, 0 no"})
    personal_data_retention_years = fields.Integer(metadata={
        "description": "Years without a visit before an account is flagged for review"})
    spending_unit = fields.Integer(metadata={"description": "0 time coins, 1 hours"})
    minutes_per_coin = fields.Integer()
    spending_min_served_minutes = fields.Integer()
    balance_cap_minutes = fields.Integer()
    whole_unit_redemption = fields.Integer(metadata={"description": "1 yes, 0 no"})
    grant_monthly_budget_minutes = fields.Integer()
    settings = fields.List(fields.Nested(SettingSchema))


class SettingsChangeSchema(BaseSchema):
    """Any of the settings, and why. Ranges are the service's (one rule for page and API)."""

    checkin_rounding_minutes = fields.Integer(strict=True)
    pool_grant_monthly_cap_minutes = fields.Integer(strict=True)
    correction_due_working_days = fields.Integer(strict=True)
    complaint_accept_working_days = fields.Integer(strict=True)
    complaint_answer_working_days = fields.Integer(strict=True)
    complaint_follow_up_working_days = fields.Integer(strict=True)
    follow_up_sample_percent = fields.Integer(strict=True)
    follow_up_sample_minimum = fields.Integer(strict=True)
    approval_auto_daily_minutes = fields.Integer(strict=True)
    approval_manager_daily_minutes = fields.Integer(strict=True)
    approve_at_checkout = fields.Integer(strict=True)
    personal_data_retention_years = fields.Integer(strict=True)
    spending_unit = fields.Integer(strict=True)
    minutes_per_coin = fields.Integer(strict=True)
    spending_min_served_minutes = fields.Integer(strict=True)
    balance_cap_minutes = fields.Integer(strict=True)
    whole_unit_redemption = fields.Integer(strict=True)
    grant_monthly_budget_minutes = fields.Integer(strict=True)
    reason = _reason()


class SettingsFormSchema(BaseSchema):
    checkin_rounding_minutes = fields.Integer(required=True)
    pool_grant_monthly_cap_minutes = fields.Integer(required=True)
    #: Not required: a form from before this setting existed still saves the others.
    correction_due_working_days = fields.Integer()
    complaint_accept_working_days = fields.Integer()
    complaint_answer_working_days = fields.Integer()
    complaint_follow_up_working_days = fields.Integer()
    follow_up_sample_percent = fields.Integer()
    follow_up_sample_minimum = fields.Integer()
    approval_auto_daily_minutes = fields.Integer()
    approval_manager_daily_minutes = fields.Integer()
    approve_at_checkout = fields.Integer()
    personal_data_retention_years = fields.Integer()
    spending_unit = fields.Integer()
    minutes_per_coin = fields.Integer()
    spending_min_served_minutes = fields.Integer()
    balance_cap_minutes = fields.Integer()
    whole_unit_redemption = fields.Integer()
    grant_monthly_budget_minutes = fields.Integer()
    reason = _reason()


def settings_json(rows: list[dict]) -> dict:
    body = {key: next(row["value"] for row in rows if row["name"] == name)
            for key, name in FIELDS.items()}
    return SettingsSchema().dump({**body, "settings": rows})


def as_changes(data: dict) -> tuple[dict, str]:
    """(setting name → value, reason) from a loaded change."""
    return ({name: data[key] for key, name in FIELDS.items() if key in data}, data["reason"])


def renamed(error):
    """The service's refusal with its fields named as in the API and the form."""
    names = {name: key for key, name in FIELDS.items()}
    error.fields = {names.get(name, name): messages for name, messages in error.fields.items()}
    return error
