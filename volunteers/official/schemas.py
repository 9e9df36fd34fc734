"""marshmallow schemas of the official export's pages (and the API's `official_sync`)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, FilterSchema, OptionalDate, OptionalInteger, valid_month
from volunteers.official.models import System

SYSTEM_CHOICES = [system.value for system in System]


class ExportQuerySchema(FilterSchema):
    """``?month=YYYY-MM&station_id=&system=izy|national&pending=1``."""

    month = fields.String(load_default=None, validate=valid_month)
    station_id = OptionalInteger()
    system = fields.String(load_default=System.IZY.value, validate=validate.OneOf(
        SYSTEM_CHOICES, error=_l("Choose from the list.")))
    pending = fields.Boolean(load_default=False)


class ProjectFormSchema(BaseSchema):
    system = fields.String(required=True, validate=validate.OneOf(
        SYSTEM_CHOICES, error=_l("Choose from the list.")))
    external_id = fields.String(load_default="", validate=validate.Length(max=60))


class ImportFormSchema(BaseSchema):
    system = fields.String(required=True, validate=validate.OneOf(
        SYSTEM_CHOICES, error=_l("Choose from the list.")))
    batch = fields.String(required=True, validate=validate.Length(
        min=1, max=40, error=_l("Name the batch (at most 40 characters).")))
    day = OptionalDate()


class SyncedInSchema(BaseSchema):
    system = fields.String()
    synced_on = fields.String()
    batch = fields.String()


class OfficialSyncSchema(BaseSchema):
    """A check-in's ``official_sync``: 已补录 in some system, or still 待补录."""

    status = fields.String(metadata={"enum": ["synced", "pending"]})
    systems = fields.List(fields.Nested(SyncedInSchema))
