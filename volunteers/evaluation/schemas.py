"""marshmallow schemas of the evaluation (the API and the district's forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, valid_month
from volunteers.evaluation.models import Party, PeriodKind, PeriodStatus
from volunteers.evaluation.services import COMMENTS_MOST, NAME_MOST, NOTE_MOST, TITLE_MOST

_PARTIES = [party.value for party in Party]


class PeriodFormSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MOST))
    kind = fields.String(required=True, validate=validate.OneOf(
        [kind.value for kind in PeriodKind], error=_l("Choose mid-term, final or other.")))
    first = fields.String(required=True, validate=valid_month)
    last = fields.String(required=True, validate=valid_month)
    weight_evaluator = fields.Integer(load_default=70, strict=False)
    weight_town = fields.Integer(load_default=10, strict=False)
    weight_committee = fields.Integer(load_default=10, strict=False)
    weight_district = fields.Integer(load_default=10, strict=False)


class ScoringItemFormSchema(BaseSchema):
    party = fields.String(required=True, validate=validate.OneOf(
        _PARTIES, error=_l("Choose one of the four parties.")))
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MOST))
    max_score = fields.Integer(required=True, strict=False)


class VetoItemFormSchema(BaseSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MOST))


class ReviewerFormSchema(BaseSchema):
    phone = fields.String(required=True, validate=validate.Regexp(
        r"^1\d{10}$", error=_l("Enter an 11-digit mobile number.")))
    name = fields.String(load_default="", validate=validate.Length(max=40))
    role = fields.String(required=True)
    password = fields.String(load_default="", validate=validate.Length(max=128))


class AssignFormSchema(BaseSchema):
    station_ids = fields.List(fields.Integer(strict=False), load_default=list)


class OpenFormSchema(BaseSchema):
    station_ids = fields.List(fields.Integer(strict=False), load_default=list)


class VetoAnswerFormSchema(BaseSchema):
    station_id = fields.Integer(required=True, strict=False)
    item_id = fields.Integer(required=True, strict=False)
    vetoed = fields.String(required=True, validate=validate.OneOf(
        ["yes", "no"], error=_l("Answer yes or no.")))
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_MOST))


class ScoreSheetInputSchema(BaseSchema):
    """A reviewer's sheet: a score for every item of their party's form."""

    scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False),
                         required=True, metadata={
                             "description": "item id → points, 0 to the item's max_score, "
                                            "one decimal place at most"})
    comments = fields.String(load_default="", validate=validate.Length(max=COMMENTS_MOST))
    activity_ids = fields.List(fields.Integer(), load_default=list,
                               metadata={"description": "the activities consulted"})
    photo_ids = fields.List(fields.Integer(), load_default=list,
                            metadata={"description": "the photos consulted"})


class ScoringItemSchema(BaseSchema):
    id = fields.Integer()
    party = fields.String()
    title = fields.String()
    max_score = fields.Integer()


class EvaluationPeriodSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": [kind.value for kind in PeriodKind]})
    first = fields.Function(lambda period: "{:04d}-{:02d}".format(*period.first))
    last = fields.Function(lambda period: "{:04d}-{:02d}".format(*period.last))
    status = fields.String(metadata={"enum": [status.value for status in PeriodStatus]})
    weights = fields.Function(lambda period: {party.value: period.weight(party)
                                              for party in Party})
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class EvaluationPeriodListSchema(BaseSchema):
    items = fields.List(fields.Nested(EvaluationPeriodSchema))


class ScoreSheetSchema(BaseSchema):
    party = fields.String()
    scores = fields.Function(lambda sheet: {str(line.item_id): line.score_tenths / 10
                                            for line in sheet.lines})
    comments = fields.String()
    activity_ids = fields.Function(lambda sheet: sheet.evidence.get("activities", []))
    photo_ids = fields.Function(lambda sheet: sheet.evidence.get("photos", []))
    submitted_at = fields.DateTime()


class EvaluationStationSchema(BaseSchema):
    """What a reviewer works from: the frozen figures, their party's form and their sheet."""

    period = fields.Nested(EvaluationPeriodSchema)
    station_id = fields.Integer()
    party = fields.String(allow_none=True)
    figures = fields.Dict(metadata={"description": "the station's report, frozen when the "
                                                   "period opened"})
    taken_at = fields.DateTime()
    items = fields.List(fields.Nested(ScoringItemSchema))
    sheet = fields.Nested(ScoreSheetSchema, allow_none=True)


class EvaluationPartyResultSchema(BaseSchema):
    party = fields.Function(lambda row: row.party.value)
    weight = fields.Integer()
    score = fields.Function(lambda row: None if row.score is None else float(row.score),
                            metadata={"description": "out of 100; null: not scored yet"})
    comments = fields.Function(lambda row: row.sheet.comments if row.sheet else None)
    activity_ids = fields.Function(
        lambda row: row.sheet.evidence.get("activities", []) if row.sheet else [])
    photo_ids = fields.Function(
        lambda row: row.sheet.evidence.get("photos", []) if row.sheet else [])


class EvaluationStationResultSchema(BaseSchema):
    station_id = fields.Function(lambda row: row.station.id)
    station = fields.Function(lambda row: row.station.name)
    parties = fields.List(fields.Nested(EvaluationPartyResultSchema))
    total = fields.Function(lambda row: float(row.total),
                            metadata={"description": "Σ party score × weight / 100"})
    complete = fields.Boolean()
    vetoed = fields.Boolean()
    vetoes = fields.Function(lambda row: [item.title for item in row.vetoes])


class EvaluationResultsSchema(BaseSchema):
    period = fields.Nested(EvaluationPeriodSchema)
    stations = fields.List(fields.Nested(EvaluationStationResultSchema))
