"""marshmallow schemas of a resident's own data, shared by the API and the pages."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from timebank.personal_data import services as personal
from timebank.web.schemas import BaseSchema


class ExportSectionSchema(BaseSchema):
    table = fields.String(metadata={"description": "The table the rows come from"})
    title = fields.String(metadata={"description": "A readable name of the section"})
    count = fields.Integer()
    rows = fields.List(fields.Dict(), metadata={
        "description": "The rows, column by column; secrets left out, other people named only "
                       "when they are staff"})


class ExportSchema(BaseSchema):
    user_id = fields.Integer()
    exported_at = fields.String()
    sections = fields.List(fields.Nested(ExportSectionSchema))


class ErasureSchema(BaseSchema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    donate_to_pool_id = fields.Integer(
        load_default=None, allow_none=True, strict=True,
        metadata={"description": "A community whose pool receives the balance first; without "
                                 "it the balance stays on the anonymous account"})


class ErasureDoneSchema(BaseSchema):
    status = fields.String(metadata={"enum": ["erased"]})
    label = fields.String(metadata={"description": "What the account is called from now on"})


class CorrectionRequestInputSchema(BaseSchema):
    field = fields.String(required=True, validate=validate.OneOf(
        list(personal.CORRECTABLE_FIELDS), error=_l("Choose one of the fields.")))
    problem = fields.String(required=True, validate=validate.Length(
        min=1, max=500, error=_l("Say what is wrong (up to 500 characters).")))
    correct_value = fields.String(required=True, validate=validate.Length(
        min=1, max=200, error=_l("Give the right value (up to 200 characters).")))


class CorrectionRequestSchema(BaseSchema):
    id = fields.Integer()
    field = fields.String()
    problem = fields.String()
    correct_value = fields.String()
    status = fields.String(metadata={"enum": [status.value for status
                                              in personal.CorrectionStatus]})
    created_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class ResolveSchema(BaseSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(["done", "refused"]), metadata={
        "description": "done: the profile was corrected; refused: with a reason"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class PaperErasureSchema(BaseSchema):
    paper_date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=500, error=_l("Give a reason (2 to 500 characters).")))
    donate_to_pool_id = fields.Integer(load_default=None, allow_none=True)

    @pre_load
    def no_pool_chosen(self, data, **_kwargs):
        """The form's "do not donate" option posts an empty value."""
        if isinstance(data, dict) and data.get("donate_to_pool_id") == "":
            data = {**data, "donate_to_pool_id": None}
        return data


class DecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["erase", "keep"]))
    reason = fields.String(required=True, validate=validate.Length(
        min=2, max=300, error=_l("Give a reason (2 to 300 characters).")))
