"""The rules that belong to the district rather than to the code or the environment.

`value(name)` is how every feature reads one: the value a district administrator stored on the
settings page, or else the app's configuration (``CHECKIN_ROUNDING_MINUTES`` from the
environment, ``POOL_GRANT_MONTHLY_CAP_MINUTES`` from the defaults, or a test's mapping). So a
district changes its rules without a developer, and nothing changes until it does.

Secrets, database URLs and rate limits are not district settings: they stay in the environment.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.settings.models import DistrictSetting  # noqa: F401 (the model, for callers)


@dataclass(frozen=True)
class Setting:
    """A district setting: a whole number, one of `choices` or between `minimum` and `maximum`."""

    name: str
    label: object
    hint: object
    choices: tuple[int, ...] = ()
    minimum: int = 0
    maximum: int = 0
    #: What the page shows for each of `choices` (a yes/no setting), where a number says little.
    choice_labels: tuple = ()

    def problem(self, value) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return _("Enter a whole number.")
        if self.choices and value not in self.choices:
            return _("Choose one of %(choices)s.", choices="、".join(map(str, self.choices)))
        if not self.choices and not self.minimum <= value <= self.maximum:
            return _("Enter a number from %(min)d to %(max)d.", min=self.minimum, max=self.maximum)
        return None


#: The district's settings, in the order the page shows them.
SETTINGS = {setting.name: setting for setting in (
    Setting("CHECKIN_ROUNDING_MINUTES", _l("Check-in rounding (minutes)"),
            _l("Minutes served are rounded down to a multiple of this: 15 makes 52 minutes "
               "count as 45."), choices=(1, 5, 10, 15, 30, 60)),
    Setting("POOL_GRANT_MONTHLY_CAP_MINUTES", _l("Monthly pool grant cap per station (minutes)"),
            _l("How many minutes a station's social workers may grant from community pools "
               "in a month, all together."), minimum=0, maximum=100_000),
    Setting("CORRECTION_DUE_WORKING_DAYS", _l("Days to answer a correction request"),
            _l("Working days (Monday to Friday) a station has to check a record a volunteer "
               "asked to correct; public holidays are not counted out."), minimum=1, maximum=30),
    Setting("COMPLAINT_ACCEPT_WORKING_DAYS", _l("Days to accept a complaint"),
            _l("Working days (Monday to Friday) a station has to accept a complaint after it "
               "is received; past it the complaint is escalated to the district."),
            minimum=1, maximum=30),
    Setting("COMPLAINT_ANSWER_WORKING_DAYS", _l("Days to answer a complaint"),
            _l("Working days from receipt a station has to answer a complaint."),
            minimum=1, maximum=60),
    Setting("COMPLAINT_FOLLOW_UP_WORKING_DAYS", _l("Days to call back after an answer"),
            _l("Working days after the answer to call the complainant back (回访)."),
            minimum=1, maximum=60),
    Setting("FOLLOW_UP_SAMPLE_PERCENT", _l("Residents called back each month (percent)"),
            _l("The share of last month's residents served (households visited, mutual-aid "
               "requests completed) put in each station's follow-up queue."),
            minimum=1, maximum=100),
    Setting("FOLLOW_UP_SAMPLE_MINIMUM", _l("Least follow-up calls per station each month"),
            _l("At least this many residents are called when a station served that many."),
            minimum=0, maximum=500),
    Setting("APPROVAL_AUTO_DAILY_MINUTES",
            _l("Approved at check-out, per person per day (minutes)"),
            _l("A volunteer's scanned minutes in a day up to this are approved when they check "
               "out; above it a station manager approves. For stations without rules of their "
               "own."), minimum=0, maximum=1440),
    Setting("APPROVAL_MANAGER_DAILY_MINUTES",
            _l("Approved by a station manager, per person per day (minutes)"),
            _l("Above this a district administrator approves. For stations without rules of "
               "their own."), minimum=0, maximum=1440),
    Setting("APPROVE_AT_CHECKOUT", _l("Approve at check-out"),
            _l("Whether check-outs within the first limit are approved with no one's click. "
               "For stations without rules of their own."), choices=(1, 0),
            choice_labels=(_l("Yes"), _l("No"))),
    Setting("PERSONAL_DATA_RETENTION_YEARS", _l("Years before an inactive account is reviewed"),
            _l("An account not used for this many years is flagged for a district "
               "administrator to erase its personal data or keep it with a reason."),
            minimum=1, maximum=30),
    Setting("SPENDING_UNIT", _l("Unit shown where residents spend"),
            _l("Prices, balances and payments are shown in time coins (时间币) or in hours; "
               "service records always show hours and minutes."), choices=(0, 1),
            choice_labels=(_l("Time coins"), _l("Hours"))),
    Setting("MINUTES_PER_COIN", _l("Minutes in one time coin"),
            _l("One coin an hour is 60."), minimum=1, maximum=600),
    Setting("SPENDING_MIN_SERVED_MINUTES", _l("Service before spending (minutes)"),
            _l("Minutes a member must have served (service and hours before the platform) "
               "before they may pay, redeem, give or donate; 0 for no minimum."),
            minimum=0, maximum=1_000_000),
    Setting("BALANCE_CAP_MINUTES", _l("Most a member may hold (minutes)"),
            _l("Payments, gifts and grants that would take a member past this are refused; "
               "hours earned by service are never refused or cut. 0 for no cap."),
            minimum=0, maximum=10_000_000),
    Setting("WHOLE_UNIT_REDEMPTION", _l("Whole coins only"),
            _l("Whether payments for help and at merchants must be whole time coins."),
            choices=(1, 0), choice_labels=(_l("Yes"), _l("No"))),
    Setting("GRANT_MONTHLY_BUDGET_MINUTES", _l("Operations centre's monthly grant budget (minutes)"),
            _l("How many minutes the time bank's operations centre may grant from pools in a "
               "month, all together."), minimum=0, maximum=1_000_000),
)}


def _stored(name: str) -> DistrictSetting | None:
    return db.session.get(DistrictSetting, name)


def value(name: str) -> int:
    """The district's value of the setting `name`: stored, or else the app's configuration."""
    if name not in SETTINGS:
        raise KeyError(name)
    row = _stored(name)
    return int(row.value) if row is not None else int(current_app.config[name])


def current() -> list[dict]:
    """Every setting with its value, where that comes from and who last changed it."""
    rows = {row.key: row for row in db.session.scalars(
        select(DistrictSetting).where(DistrictSetting.key.in_(SETTINGS)))}
    return [{"name": name, "label": str(setting.label), "hint": str(setting.hint),
             "choices": list(setting.choices), "minimum": setting.minimum,
             "maximum": setting.maximum, "value": value(name),
             "choice_labels": {choice: str(label) for choice, label
                               in zip(setting.choices, setting.choice_labels, strict=False)},
             "stored": name in rows, "default": int(current_app.config[name]),
             "updated_by": rows[name].updated_by if name in rows else None,
             "updated_at": rows[name].updated_at if name in rows else None}
            for name, setting in SETTINGS.items()]


def update(changes: dict, *, by, reason: str | None) -> dict:
    """Store the settings in `changes` (name → value); audited old → new, with the reason.

    Only district administrators; every value checked first, so a bad one changes nothing.
    Returns what changed: name → [old, new].
    """
    if not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can change district settings."))
    problems = {}
    for name, new in changes.items():
        setting = SETTINGS.get(name)
        problem = _("There is no such setting.") if setting is None else setting.problem(new)
        if problem:
            problems[name] = [problem]
    if not problems:
        auto = changes.get("APPROVAL_AUTO_DAILY_MINUTES", value("APPROVAL_AUTO_DAILY_MINUTES"))
        limit = changes.get("APPROVAL_MANAGER_DAILY_MINUTES",
                            value("APPROVAL_MANAGER_DAILY_MINUTES"))
        if auto > limit:
            problems["APPROVAL_AUTO_DAILY_MINUTES"] = [_(
                "Approval at check-out cannot go beyond the station manager's limit.")]
    if not (reason or "").strip():
        problems["reason"] = [_("Say why the settings change.")]
    if problems:
        raise InvalidInput(fields=problems)
    changed = {}
    for name, new in changes.items():
        old = value(name)
        if old == new:
            continue
        row = _stored(name)
        if row is None:
            row = DistrictSetting(key=name)
            db.session.add(row)
        row.value, row.updated_by_id, row.updated_at = new, by.id, now()
        changed[name] = [old, new]
    db.session.flush()
    if changed:
        audit.record("settings.update", "district_settings", actor=by, reason=reason.strip(),
                     changes=changed)
    return changed
