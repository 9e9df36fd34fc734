"""marshmallow schemas of visits (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from timebank.web.schemas import BaseSchema, FilterSchema, LocalDateTime, OptionalInteger, page_of
from volunteers.households.models import NEEDS
from volunteers.visits.models import VisitStatus, VisitWay
from volunteers.visits.services import (
    FINDINGS_MOST,
    FOLLOW_UP_MOST,
    MINUTES_MOST,
    REASON_MOST,
    REFERRALS_MOST,
)
from volunteers.vocabulary import EVALUATIONS

_WAYS = [way.value for way in VisitWay]
_STATUSES = [status.value for status in VisitStatus]


class VisitFieldsSchema(BaseSchema):
    """What a visit says; the rules (dates, pairing) are the service's."""

    visited_on = fields.Date(required=True, metadata={"description": "local day of the visit"})
    started_at = LocalDateTime(load_default=None, allow_none=True,
                               metadata={"description": "when it started (on visited_on)"})
    minutes = fields.Integer(required=True, validate=validate.Range(
        min=1, max=MINUTES_MOST, error=_l("Enter whole minutes from 1 to 720.")))
    way = fields.String(load_default="in_person", validate=validate.OneOf(
        _WAYS, error=_l("Choose in person or by phone.")))
    findings = fields.String(load_default="", validate=validate.Length(max=FINDINGS_MOST))
    needs_found = fields.List(fields.String(validate=validate.OneOf(
        list(NEEDS), error=_l("Choose needs from the list."))), load_default=list,
        validate=validate.Length(max=len(NEEDS)))
    follow_up = fields.String(load_default="", validate=validate.Length(max=FOLLOW_UP_MOST))
    referrals = fields.String(load_default="", validate=validate.Length(max=REFERRALS_MOST))


class VisitCreateSchema(VisitFieldsSchema):
    household_id = fields.Integer(required=True)


class VisitFormSchema(VisitFieldsSchema):
    """The page's form: the start as a time of day (``HH:MM``), blank for none."""

    started_at = fields.Time(load_default=None, allow_none=True)

    @pre_load
    def _blank_time(self, data, **kwargs):
        data = dict(data)
        if not (data.get("started_at") or "").strip():
            data["started_at"] = None
        return data


class VisitRejectSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=REASON_MOST, error=_l("Give a reason (at most 300 characters).")))


class VisitApproveSchema(BaseSchema):
    """The visit's minutes are approved as recorded; a quality evaluation may go with them."""

    evaluation = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        tuple(EVALUATIONS), error=_l("Choose an evaluation from the list.")), metadata={
        "description": "the quality evaluation, one of " + ", ".join(EVALUATIONS)})
    evaluation_comment = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Length(max=300))


class VisitQuerySchema(FilterSchema):
    station_id = OptionalInteger()
    status = fields.String(load_default=None, validate=validate.OneOf(_STATUSES))
    household_id = OptionalInteger()


class VisitSchema(BaseSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    household = fields.Function(lambda visit: visit.household.shown_name, metadata={
        "type": "string", "description": "how the household is addressed (李阿姨), never the "
                                         "full name"})
    station_id = fields.Integer()
    visitor_id = fields.Integer()
    visitor_name = fields.Function(lambda visit: visit.visitor.name, metadata={"type": "string"})
    pairing_id = fields.Integer(allow_none=True)
    way = fields.String(metadata={"enum": _WAYS})
    visited_on = fields.Date()
    started_at = LocalDateTime(allow_none=True)
    minutes = fields.Integer()
    findings = fields.String()
    needs_found = fields.List(fields.String())
    follow_up = fields.String()
    referrals = fields.String()
    status = fields.String(metadata={"enum": _STATUSES})
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    checkin_id = fields.Integer(allow_none=True, metadata={
        "description": "the service record that posted the hours, once approved"})
    created_at = LocalDateTime()


VisitPageSchema = page_of(VisitSchema, "VisitPageSchema")
