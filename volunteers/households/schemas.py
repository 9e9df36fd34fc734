"""marshmallow schemas of the register of households and pairings (the API and the forms)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.privacy.services import mask_id_number
from timebank.web.schemas import (
    BaseSchema,
    FilterSchema,
    LocalDateTime,
    OptionalDate,
    OptionalInteger,
    page_of,
)
from volunteers.households.models import CATEGORIES, LAWFUL_BASES, NEEDS, PairingRhythm, RiskLevel

_CATEGORY = validate.OneOf(list(CATEGORIES), error=_l("Choose categories from the list."))
_NEED = validate.OneOf(list(NEEDS), error=_l("Choose needs from the list."))
_RISK = validate.OneOf([level.value for level in RiskLevel],
                       error=_l("Choose a risk level from the list."))
_RHYTHM = validate.OneOf([rhythm.value for rhythm in PairingRhythm],
                         error=_l("Choose a rhythm from the list."))
_REASON = validate.Length(min=1, max=200, error=_l("Write the reason (at most 200 characters)."))


class HouseholdFormSchema(BaseSchema):
    """A household's file as staff write it (every field optional on PATCH)."""

    community_id = fields.Integer(validate=validate.Range(min=1))
    name = fields.String(validate=validate.Length(min=1, max=40))
    called = fields.String(validate=validate.Length(max=20))
    address = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=20))
    id_number = fields.String(allow_none=True, validate=validate.Length(max=30),
                              metadata={"description": "resident ID number; checked"})
    categories = fields.List(fields.String(validate=_CATEGORY), validate=validate.Length(max=20))
    needs = fields.List(fields.String(validate=_NEED), validate=validate.Length(max=20))
    needs_note = fields.String(validate=validate.Length(max=500))
    risk_level = fields.String(validate=_RISK)
    social_worker_id = OptionalInteger(validate=validate.Range(min=1))
    visit_every_days = fields.Integer(validate=validate.Range(
        min=1, max=366, error=_l("Enter a number of days from 1 to 366.")))
    next_visit_due = OptionalDate()
    lawful_basis = fields.String(validate=validate.OneOf(
        list(LAWFUL_BASES), error=_l("Choose a lawful basis from the list.")))
    consent_recorded_at = LocalDateTime(allow_none=True)
    consent_note = fields.String(validate=validate.Length(max=200))
    notes = fields.String(validate=validate.Length(max=5000))


class HouseholdCreateSchema(HouseholdFormSchema):
    community_id = fields.Integer(required=True, validate=validate.Range(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    categories = fields.List(fields.String(validate=_CATEGORY), required=True,
                             validate=validate.Length(min=1, max=20))


class HouseholdReasonSchema(BaseSchema):
    reason = fields.String(required=True, validate=_REASON)


class HouseholdPairingFormSchema(BaseSchema):
    volunteer_id = fields.Integer(required=True, validate=validate.Range(min=1))
    rhythm = fields.String(required=True, validate=_RHYTHM)
    needs = fields.List(fields.String(validate=_NEED), load_default=list,
                        validate=validate.Length(max=20))
    next_contact_due = OptionalDate()


class HouseholdMemberFormSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    relation = fields.String(load_default="", validate=validate.Length(max=20))
    birth_year = OptionalInteger(validate=validate.Range(min=1900, max=2100))
    id_number = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=30))
    categories = fields.List(fields.String(validate=_CATEGORY), load_default=list)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class RegisterQuerySchema(FilterSchema):
    community_id = OptionalInteger(validate=validate.Range(min=1))
    category = fields.String(load_default=None, validate=_CATEGORY)
    risk = fields.String(load_default=None, validate=_RISK)
    overdue = fields.Boolean(load_default=False)
    closed = fields.Boolean(load_default=False)
    station_id = OptionalInteger(validate=validate.Range(min=1))


class HouseholdMemberSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    relation = fields.String()
    birth_year = fields.Integer(allow_none=True)
    id_number = fields.Function(lambda member: mask_id_number(member.id_number),
                                metadata={"type": "string", "description": "masked"})
    categories = fields.List(fields.String())
    note = fields.String()


class HouseholdPairingSchema(BaseSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    volunteer_id = fields.Integer()
    volunteer_name = fields.Function(lambda pairing: pairing.volunteer.name,
                                     metadata={"type": "string"})
    rhythm = fields.String(metadata={"enum": [rhythm.value for rhythm in PairingRhythm]})
    needs = fields.List(fields.String())
    next_contact_due = fields.Date(allow_none=True)
    started_on = fields.Date()
    ended_at = fields.AwareDateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class HouseholdSchema(BaseSchema):
    """A household for the station's staff; the ID number masked."""

    id = fields.Integer()
    station_id = fields.Integer()
    community_id = fields.Integer()
    community = fields.Function(lambda household: household.community.name,
                                metadata={"type": "string"})
    name = fields.String()
    called = fields.String()
    shown_name = fields.String()
    address = fields.String()
    phone = fields.String()
    id_number = fields.Function(lambda household: mask_id_number(household.id_number),
                                metadata={"type": "string", "description": "masked"})
    categories = fields.List(fields.String())
    needs = fields.List(fields.String())
    needs_note = fields.String()
    risk_level = fields.String()
    social_worker_id = fields.Integer(allow_none=True)
    visit_every_days = fields.Integer()
    next_visit_due = fields.Date(allow_none=True)
    last_visited_on = fields.Date(allow_none=True)
    lawful_basis = fields.String()
    consent_recorded_at = fields.AwareDateTime(allow_none=True)
    consent_note = fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    members = fields.List(fields.Nested(HouseholdMemberSchema))
    created_at = fields.AwareDateTime()


class PairedHouseholdSchema(BaseSchema):
    """What a paired volunteer sees: no name, address, phone or ID number."""

    id = fields.Integer()
    shown_name = fields.String()
    community = fields.String()
    community_id = fields.Integer()
    needs = fields.List(fields.String())
    rhythm = fields.String()
    next_contact_due = fields.Date(allow_none=True)
    pairing_id = fields.Integer(allow_none=True)


class HouseholdCoverageRowSchema(BaseSchema):
    label = fields.String(metadata={"description": "community or grid team"})
    station = fields.String()
    community_id = fields.Integer(allow_none=True)
    grid_team_id = fields.Integer(allow_none=True)
    registered = fields.Integer()
    visited = fields.Integer()
    share = fields.Float(allow_none=True, metadata={"description": "percent visited"})
    overdue = fields.Function(
        lambda row: [{"id": household.id, "name": household.name,
                      "next_visit_due": household.next_visit_due.isoformat()}
                     for household in row.overdue],
        metadata={"type": "array", "items": {"type": "object"}})


class HouseholdCoverageSchema(BaseSchema):
    quarter = fields.Function(lambda figures: str(figures.quarter),
                              metadata={"type": "string", "example": "2026Q4"})
    station_id = fields.Integer(allow_none=True)
    communities = fields.List(fields.Nested(HouseholdCoverageRowSchema))
    grid_teams = fields.List(fields.Nested(HouseholdCoverageRowSchema), attribute="teams")
    total = fields.Nested(HouseholdCoverageRowSchema)


class DueHouseholdSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    community = fields.Function(lambda household: household.community.name,
                                metadata={"type": "string"})
    next_visit_due = fields.Date(allow_none=True)
    risk_level = fields.String()
    social_worker_id = fields.Integer(allow_none=True)


class HouseholdsDueSchema(BaseSchema):
    grid_team_id = fields.Function(lambda due: due.team.id, metadata={"type": "integer"})
    today = fields.Date()
    households = fields.List(fields.Nested(DueHouseholdSchema))
    pairings = fields.List(fields.Nested(HouseholdPairingSchema))


HouseholdPageSchema = page_of(HouseholdSchema, "HouseholdPageSchema")
HouseholdPairingListSchema = page_of(HouseholdPairingSchema, "HouseholdPairingListSchema")
