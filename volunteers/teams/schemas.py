"""marshmallow schemas of teams (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import (
    BaseSchema,
    FilterSchema,
    LocalDateTime,
    OptionalDate,
    OptionalInteger,
    in_supported_years,
    page_of,
)
from volunteers.teams.models import JoinRequestStatus, TeamSignUpStatus
from volunteers.teams.services import (
    DESCRIPTION_MOST,
    MESSAGE_MOST,
    NAME_MOST,
    PARTY_LEAST,
    PARTY_MOST,
    REASON_MOST,
)

_JOIN_STATUSES = [status.value for status in JoinRequestStatus]


class TeamCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=1, max=NAME_MOST, error=_l("Give the team a name (at most 60 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MOST))
    station_id = OptionalInteger(metadata={
        "description": "the team's station (default: the staff member's own)"})
    social_worker_id = OptionalInteger(metadata={
        "description": "the guiding social worker (指导社工), staff of the station (default: "
                       "the staff member creating the team)"})
    captain_id = OptionalInteger(metadata={
        "description": "the volunteer captain (队长): becomes the first member"})


class TeamUpdateSchema(BaseSchema):
    name = fields.String(validate=validate.Length(
        min=1, max=NAME_MOST, error=_l("Give the team a name (at most 60 characters).")))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MOST))
    social_worker_id = fields.Integer()
    captain_id = fields.Integer(allow_none=True, metadata={
        "description": "a member of the team, or null for none"})
    active = fields.Boolean()


class TeamFormSchema(BaseSchema):
    """The staff page's form: a blank captain means none."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=NAME_MOST, error=_l("Give the team a name (at most 60 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MOST))
    social_worker_id = OptionalInteger()
    captain_id = OptionalInteger()


class TeamMemberSchema(BaseSchema):
    user_id = fields.Integer(required=True)


class JoinRequestCreateSchema(BaseSchema):
    message = fields.String(load_default="", validate=validate.Length(max=MESSAGE_MOST))


class JoinDeclineSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=REASON_MOST, error=_l("Give a reason (at most 300 characters).")))


class TeamSignUpCreateSchema(BaseSchema):
    activity_id = fields.Integer(required=True)
    party_size = fields.Integer(required=True, validate=validate.Range(
        min=PARTY_LEAST, max=PARTY_MOST, error=_l("The party size is a whole number from 1 to 50.")))
    member_ids = fields.List(fields.Integer(), load_default=list,
                             validate=validate.Length(max=PARTY_MOST), metadata={
                                 "description": "the active members who come, by name (at most "
                                                "party_size); each gets their own sign-up"})


class TeamQuerySchema(FilterSchema):
    station_id = OptionalInteger()
    mine = fields.Boolean(load_default=False)


class PeriodQuerySchema(FilterSchema):
    start = OptionalDate(validate=in_supported_years)
    end = OptionalDate(validate=in_supported_years)


class PersonSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class TeamSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer()
    name = fields.String()
    description = fields.String()
    active = fields.Boolean()
    social_worker_id = fields.Integer(attribute="leader_id", metadata={
        "description": "the guiding social worker (指导社工)"})
    social_worker_name = fields.Function(lambda team: team.leader.name,
                                         metadata={"type": "string"})
    captain_id = fields.Integer(allow_none=True, metadata={"description": "the captain (队长)"})
    captain_name = fields.Function(lambda team: team.captain.name if team.captain else None,
                                   metadata={"type": "string", "nullable": True})
    member_count = fields.Function(lambda team: len(team.members), metadata={"type": "integer"})
    created_at = LocalDateTime(allow_none=True)


class TeamDetailSchema(TeamSchema):
    members = fields.List(fields.Nested(PersonSchema), metadata={
        "description": "members' names (no phone numbers)"})


class JoinRequestSchema(BaseSchema):
    id = fields.Integer()
    team_id = fields.Integer()
    volunteer_id = fields.Integer()
    volunteer_name = fields.Function(lambda request: request.volunteer.name,
                                     metadata={"type": "string"})
    message = fields.String()
    status = fields.String(metadata={"enum": _JOIN_STATUSES})
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = LocalDateTime()


class TeamSignUpSchema(BaseSchema):
    id = fields.Integer()
    team_id = fields.Integer()
    activity_id = fields.Integer()
    activity_title = fields.Function(lambda entry: entry.activity.title,
                                     metadata={"type": "string"})
    party_size = fields.Integer()
    member_ids = fields.Method("_member_ids", metadata={
        "type": "array", "items": {"type": "integer"},
        "description": "the named members with a live sign-up"})
    status = fields.String(metadata={"enum": [status.value for status in TeamSignUpStatus]})
    signed_up_by_id = fields.Integer()
    created_at = LocalDateTime()

    def _member_ids(self, entry):
        from volunteers.teams.services import named_sign_ups

        return [sign_up.user_id for sign_up in named_sign_ups(entry)]


class TeamActivityHoursSchema(BaseSchema):
    activity_id = fields.Function(lambda line: line.activity.id, metadata={"type": "integer"})
    title = fields.Function(lambda line: line.activity.title, metadata={"type": "string"})
    minutes = fields.Integer()
    people = fields.Integer(metadata={"description": "members who served"})


class TeamHoursSchema(BaseSchema):
    team_id = fields.Function(lambda hours: hours.team.id, metadata={"type": "integer"})
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)
    team_minutes = fields.Integer(metadata={
        "description": "approved minutes of named members on the activities the team signed "
                       "up for"})
    members_minutes = fields.Integer(metadata={
        "description": "all approved minutes of the team's current members"})
    member_count = fields.Integer()
    lines = fields.List(fields.Nested(TeamActivityHoursSchema))


TeamPageSchema = page_of(TeamSchema, "TeamPageSchema")
JoinRequestPageSchema = page_of(JoinRequestSchema, "JoinRequestPageSchema")
