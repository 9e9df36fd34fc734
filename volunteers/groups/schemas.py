"""marshmallow schemas of group members (the API and the forms)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.accounts.services import mask_name
from timebank.exchange.pools.services import MAX_SPONSOR_MINUTES
from timebank.web.schemas import BaseSchema, FilterSchema, OptionalInteger, page_of
from volunteers.groups.models import GroupKind, GroupRole
from volunteers.groups.services import MAX_PLEDGE_MINUTES

_KIND = validate.OneOf([kind.value for kind in GroupKind],
                       error=_l("Choose a kind of group from the list."))
_ROLE = validate.OneOf([role.value for role in GroupRole], error=_l("Choose contact or member."))


class GroupFormSchema(BaseSchema):
    """A group's details as staff write them (every field optional on PATCH)."""

    name = fields.String(validate=validate.Length(min=1, max=100))
    kind = fields.String(validate=_KIND, metadata={"enum": [kind.value for kind in GroupKind]})
    credit_code = fields.String(allow_none=True, validate=validate.Length(max=30),
                                metadata={"description": "统一社会信用代码; check character "
                                                         "verified (GB 32100-2015)"})
    station_id = OptionalInteger(validate=validate.Range(min=1),
                                 metadata={"description": "null: district-wide"})
    address = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=20))
    active = fields.Boolean()


class GroupCreateSchema(GroupFormSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=_KIND,
                         metadata={"enum": [kind.value for kind in GroupKind]})


class GroupQuerySchema(FilterSchema):
    station_id = OptionalInteger(validate=validate.Range(min=1))
    kind = fields.String(load_default=None, validate=_KIND)


class GroupSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    credit_code = fields.String(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    address = fields.String()
    phone = fields.String(metadata={"description": "masked unless the viewer is the station's "
                                                   "staff or the group's contact"})
    active = fields.Boolean()
    created_at = fields.AwareDateTime()
    balance_minutes = fields.Integer()
    members = fields.Integer(metadata={"description": "live members, contacts included"})


class MemberAddSchema(BaseSchema):
    user_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    role = fields.String(load_default=GroupRole.MEMBER.value, validate=_ROLE,
                         metadata={"enum": [role.value for role in GroupRole]})


class MembershipSchema(BaseSchema):
    id = fields.Integer()
    group_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.Function(lambda membership: mask_name(membership.user.name),
                           metadata={"type": "string"})
    role = fields.String()
    joined_at = fields.AwareDateTime(allow_none=True)
    shares_service = fields.Function(lambda membership: membership.shares_service_at is not None,
                                     metadata={"type": "boolean"})


class PledgeSchema(BaseSchema):
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_PLEDGE_MINUTES,
        error=_l("Enter a number of minutes from 1 to %(most)d.", most=MAX_PLEDGE_MINUTES)))
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))


class SponsorshipSchema(BaseSchema):
    community_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_SPONSOR_MINUTES,
        error=_l("Enter a number of minutes from 1 to %(most)d.", most=MAX_SPONSOR_MINUTES)))
    memo = fields.String(load_default="", validate=validate.Length(max=200))


class ServiceRowSchema(BaseSchema):
    user_id = fields.Function(lambda row: row.user.id, metadata={"type": "integer"})
    name = fields.Function(lambda row: row.user.name, metadata={"type": "string"})
    minutes = fields.Integer()
    activities = fields.Integer()


class GroupServiceSchema(BaseSchema):
    group_id = fields.Function(lambda service: service.group.id, metadata={"type": "integer"})
    first = fields.Date(metadata={"description": "first day of the period"})
    last = fields.Date(metadata={"description": "last day of the period (included)"})
    members = fields.List(fields.Nested(ServiceRowSchema), attribute="rows",
                          metadata={"description": "only members who share their service"})
    not_sharing = fields.Integer(metadata={"description": "members who do not share: a count"})
    total_minutes = fields.Integer()
    total_activities = fields.Integer()


class PartyReportSchema(BaseSchema):
    group_id = fields.Function(lambda report: report.group.id, metadata={"type": "integer"})
    first = fields.Date()
    last = fields.Date()
    members = fields.List(fields.Nested(ServiceRowSchema), attribute="rows")
    total_minutes = fields.Integer()
    total_activities = fields.Integer()


class PartyFlagSchema(BaseSchema):
    is_party_member = fields.Boolean(required=True)


class GroupFlagFormSchema(BaseSchema):
    share = fields.Boolean(required=True)


GroupPageSchema = page_of(GroupSchema, "GroupPageSchema")
