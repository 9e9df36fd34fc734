"""The administration's forms and API shapes: towns, communities, agencies, stations, service
points and grid teams. A form and its API body are one schema; ``partial=True`` loads a change."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate
from stdnum.cn import uscc

from timebank.web.schemas import BaseSchema, OptionalDate, OptionalInteger


def _text(most: int, *, required: bool = True, message=None):
    """A trimmed string of at most `most` characters (at least one if `required`)."""
    least = 1 if required else 0
    message = message or _l("Enter up to %(most)d characters.", most=most)
    kwargs = {"required": True} if required else {"load_default": ""}
    return Trimmed(validate=validate.Length(min=least, max=most, error=message), **kwargs)


class Trimmed(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class CreditCode(Trimmed):
    """统一社会信用代码: eighteen characters whose last is a check character (GB 32100-2015)."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).upper()
        if not uscc.is_valid(code):
            raise ValidationError(str(_l(
                "Enter the 18-character unified social credit code exactly as on the licence.")))
        return code


class Reasoned(BaseSchema):
    """Every change carries why it was made (required when something that exists changes)."""

    reason = _text(200, required=False)


class TownFormSchema(Reasoned):
    name = _text(40, message=_l("Enter the name of the town or street (up to 40 characters)."))


class CommunityFormSchema(Reasoned):
    town_id = fields.Integer(required=True)
    name = _text(40, message=_l("Enter the name of the village or community (up to 40 "
                                "characters)."))


class AgencyFormSchema(Reasoned):
    name = _text(100, message=_l("Enter the agency's registered name (up to 100 characters)."))
    credit_code = CreditCode(required=True)
    contact_name = _text(40, required=False)
    contact_phone = _text(20, required=False)
    contract_start = OptionalDate()
    contract_end = OptionalDate()


class StationFormSchema(Reasoned):
    town_id = fields.Integer(required=True)
    name = _text(60, message=_l("Enter the station's name (up to 60 characters)."))
    address = _text(200, required=False)
    phone = _text(20, required=False)
    opening_hours = _text(100, required=False)
    agency_id = OptionalInteger()


class ServicePointFormSchema(Reasoned):
    community_id = fields.Integer(required=True)
    name = _text(60, message=_l("Enter the service point's name (up to 60 characters)."))
    address = _text(200, required=False)


class GridTeamFormSchema(Reasoned):
    station_id = fields.Integer(required=True)
    name = _text(60, message=_l("Enter the grid team's name (up to 60 characters)."))
    community_ids = fields.List(fields.Integer(), load_default=list,
                                validate=validate.Length(max=200))


#: What may not change once created (a community stays in its town, a station with its town).
FIXED = {"town_id", "community_id", "station_id"}


def changes_of(data: dict) -> tuple[dict, str | None]:
    """(the changes, the reason) of a loaded change, leaving out what may not change."""
    data = dict(data)
    reason = data.pop("reason", None)
    return {name: value for name, value in data.items() if name not in FIXED}, reason


# --- what the API answers ---------------------------------------------------------------------

class TownAdminSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda town: town.station.id if town.station else None,
                                 metadata={"type": "integer", "nullable": True})


class CommunityAdminSchema(BaseSchema):
    id = fields.Integer()
    town_id = fields.Integer()
    name = fields.String()
    service_point_id = fields.Function(
        lambda community: community.service_point.id if community.service_point else None,
        metadata={"type": "integer", "nullable": True})


class AgencySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    credit_code = fields.String(metadata={"description": "统一社会信用代码"})
    contact_name = fields.String()
    contact_phone = fields.String()
    contract_start = fields.Date(allow_none=True)
    contract_end = fields.Date(allow_none=True)


class StationAdminSchema(BaseSchema):
    id = fields.Integer()
    town_id = fields.Integer()
    name = fields.String()
    address = fields.String()
    phone = fields.String()
    opening_hours = fields.String()
    agency_id = fields.Integer(allow_none=True)


class ServicePointSchema(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    address = fields.String()


class GridTeamSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer()
    name = fields.String()
    community_ids = fields.Function(
        lambda team: [community.id for community in team.communities],
        metadata={"type": "array", "items": {"type": "integer"}})


# --- the public station directory -----------------------------------------------------------

class StationServicePointSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()


class PublicStationSchema(BaseSchema):
    """A station as anyone may see it (`org.DirectoryEntry`): where it is and when it is open,
    no personal data."""

    id = fields.Integer(attribute="station.id")
    name = fields.String(attribute="station.name")
    town = fields.String(attribute="station.town.name")
    address = fields.String(attribute="station.address")
    phone = fields.String(attribute="station.phone")
    opening_hours = fields.String(attribute="station.opening_hours")
    agency = fields.Function(lambda entry: entry.station.agency.name if entry.station.agency
                             else None, metadata={"type": "string", "nullable": True})
    service_points = fields.List(fields.Nested(StationServicePointSchema))
