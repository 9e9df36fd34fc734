"""The shapes of the reports' JSON: the monthly station report (`monthly.StationReport.to_dict`)."""

from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema
from volunteers.reporting.monthly import UNITS


class ReportFigureSchema(BaseSchema):
    key = fields.String(metadata={"example": "activities_held"})
    label = fields.String(metadata={"example": "举办活动"})
    value = fields.Raw(allow_none=True, metadata={
        "description": "an integer or number (count, minutes, percent, score), a string (text), "
                       "or null when there is nothing to divide by"})
    unit = fields.String(validate=validate.OneOf(UNITS), metadata={"enum": list(UNITS)})
    definition = fields.String(metadata={"description": "how the figure is counted"})


class ReportTableSchema(BaseSchema):
    columns = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw(allow_none=True)))


class ReportSectionSchema(BaseSchema):
    key = fields.String(metadata={"example": "themes"})
    title = fields.String()
    figures = fields.List(fields.Nested(ReportFigureSchema))
    table = fields.Nested(ReportTableSchema, allow_none=True)


class ReportStationSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class StationReportSchema(BaseSchema):
    station = fields.Nested(ReportStationSchema)
    first = fields.String(metadata={"example": "2026-11"})
    last = fields.String(metadata={"example": "2026-11"})
    generated_at = fields.String(metadata={"format": "date-time"})
    sections = fields.List(fields.Nested(ReportSectionSchema))
