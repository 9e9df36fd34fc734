"""marshmallow schemas for check-in codes, scans and approvals (API and forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, FilterSchema, in_supported_years
from volunteers.vocabulary import EVALUATIONS


class CodeRequestSchema(BaseSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=500))


class CheckInCodeSchema(BaseSchema):
    token = fields.String()
    url = fields.String()
    expires_at = fields.AwareDateTime()


class CheckInSchema(BaseSchema):
    """The check-in shape of the public contract."""

    id = fields.Integer()
    activity_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String()
    checked_in_at = fields.AwareDateTime()
    checked_out_at = fields.AwareDateTime(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    flagged = fields.Boolean()
    honour_minutes = fields.Integer(metadata={
        "description": "Extension: of `minutes`, those added by hand above the scanned time "
                       "(荣誉时); the rest is scanned time (信用时)"})
    evaluation = fields.String(allow_none=True, metadata={
        "description": "Extension: the quality evaluation, one of " + ", ".join(EVALUATIONS)})
    evaluation_comment = fields.String(allow_none=True, metadata={"description": "Extension"})
    #: Extension: whether an approved record is on an official system (已补录) or still 待补录;
    #: null until approved (`volunteers.official.services.sync_state`).
    official_sync = fields.Method("_official_sync", allow_none=True, metadata={
        "description": "null until approved; then {status: synced | pending, systems: "
                       "[{system: izy | national, synced_on, batch}]}"})

    def _official_sync(self, checkin):
        from volunteers.official.services import sync_state

        return sync_state(checkin)


def _blank_is_none(value):
    return None if value in ("", None) else value


def _evaluation(**options):
    return fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        tuple(EVALUATIONS), error=_l("Choose an evaluation from the list.")), metadata={
        "description": "Quality evaluation: " + ", ".join(EVALUATIONS)}, **options)


def _evaluation_comment():
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=300, error=_l("Up to 300 characters.")))


class ApproveFormSchema(BaseSchema):
    minutes = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=24 * 60))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    evaluation = _evaluation()
    evaluation_comment = _evaluation_comment()

    def load(self, data, *args, **kwargs):
        data = {key: _blank_is_none(value) for key, value in dict(data).items()}
        return super().load(data, *args, **kwargs)


class RejectFormSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))


class InboxQuerySchema(FilterSchema):
    """``/station/approvals?status=&activity_id=&worker_id=&since=&until=`` (dates of the
    activity's start, both included)."""

    status = fields.String(load_default="waiting", validate=validate.OneOf(
        ("waiting", "flagged", "open", "approved", "rejected")))
    activity_id = fields.Integer(load_default=None, allow_none=True)
    worker_id = fields.Integer(load_default=None, allow_none=True)
    since = fields.Date(load_default=None, allow_none=True, validate=in_supported_years)
    until = fields.Date(load_default=None, allow_none=True, validate=in_supported_years)


class ApproveManyFormSchema(BaseSchema):
    checkin_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(
        min=1, max=500, error=_l("Choose at least one check-in.")))


class EvaluationFormSchema(BaseSchema):
    evaluation = fields.String(required=True, validate=validate.OneOf(
        tuple(EVALUATIONS), error=_l("Choose an evaluation from the list.")))
    evaluation_comment = _evaluation_comment()

    def load(self, data, *args, **kwargs):
        data = {key: _blank_is_none(value) for key, value in dict(data).items()}
        return super().load(data, *args, **kwargs)


class ApproveChosenFormSchema(ApproveManyFormSchema):
    """The inbox's bulk approval, with the evaluation given to every chosen check-in."""

    evaluation = _evaluation()
    evaluation_comment = _evaluation_comment()

    def load(self, data, *args, **kwargs):
        data = {key: _blank_is_none(value) for key, value in dict(data).items()}
        return super().load(data, *args, **kwargs)


class ApprovalPolicySchema(BaseSchema):
    """A station's approval tiers (its own, or the district's when it has none)."""

    station_id = fields.Integer()
    auto_approve_daily_minutes = fields.Integer(metadata={
        "description": "A volunteer's scanned minutes per day (all stations) approved at "
                       "check-out; any staff of the station approves up to this"})
    manager_limit_daily_minutes = fields.Integer(metadata={
        "description": "Up to this a station manager approves; above it a district "
                       "administrator"})
    approve_at_checkout = fields.Boolean(metadata={
        "description": "Extension: whether check-outs within the first tier are approved at "
                       "once"})


class ApprovalPolicyChangeSchema(BaseSchema):
    """Ranges (whole minutes 0–1440, automatic ≤ manager's) are the service's."""

    auto_approve_daily_minutes = fields.Integer(required=True, strict=True)
    manager_limit_daily_minutes = fields.Integer(required=True, strict=True)
    approve_at_checkout = fields.Boolean(load_default=None)


class ApproveAllFormSchema(BaseSchema):
    evaluation = _evaluation()
    evaluation_comment = _evaluation_comment()

    def load(self, data, *args, **kwargs):
        data = {key: _blank_is_none(value) for key, value in dict(data).items()}
        return super().load(data, *args, **kwargs)


class ApprovalPolicyFormSchema(BaseSchema):
    auto_approve_daily_minutes = fields.Integer(required=True)
    manager_limit_daily_minutes = fields.Integer(required=True)
    approve_at_checkout = fields.Boolean(load_default=False)


class OfflineScanSchema(BaseSchema):
    """One scan a phone recorded without network (`volunteers.checkins.offline`)."""

    scan_id = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        error=_l("Not a valid scan id.")), metadata={
        "description": "Made on the phone (a UUID, 36 characters); the same id sent again "
                       "changes nothing"})
    card_code = fields.String(required=True, validate=validate.Length(min=3, max=40))
    scanned_at = fields.AwareDateTime(required=True, metadata={
        "description": "The phone's time of the scan, ISO 8601 with its offset"})
    purpose = fields.String(required=True, validate=validate.OneOf(("in", "out")), metadata={
        "description": "in: check-in; out: check-out (chosen on the scanner page)"})


class OfflineScanBatchSchema(BaseSchema):
    """Each item is checked on its own: a bad one is refused alone, not the batch."""

    scans = fields.List(fields.Raw(), required=True, metadata={
        "description": "Up to 500 scans (`OfflineScanSchema`); more: 413 too_many_scans"})


class OfflineScanErrorSchema(BaseSchema):
    code = fields.String()
    message = fields.String()


class OfflineScanResultSchema(BaseSchema):
    scan_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "recorded | duplicate | refused"})
    outcome = fields.String(metadata={
        "description": "for a duplicate, what the first sending of this scan_id gave: "
                       "recorded | refused"})
    checkin_id = fields.Integer()
    error = fields.Nested(OfflineScanErrorSchema)


class OfflineScanResultsSchema(BaseSchema):
    results = fields.List(fields.Nested(OfflineScanResultSchema))
