"""The one form loader of every page (`timebank.web.forms.load_form`)."""

from marshmallow import fields
from werkzeug.datastructures import MultiDict

from timebank.web.forms import load_form
from timebank.web.schemas import BaseSchema


class _Schema(BaseSchema):
    name = fields.String(required=True)
    skills = fields.List(fields.String(), load_default=list)
    active = fields.Boolean(load_default=False)
    slots = fields.Integer(load_default=None)


def test_lists_take_every_value_and_checkboxes_their_presence(app):
    posted = MultiDict([("name", "陈"), ("skills", "first_aid"), ("skills", "cooking"),
                        ("active", "true"), ("slots", "3"), ("not_a_field", "x")])
    with app.test_request_context("/", method="POST", data=posted):
        assert load_form(_Schema()) == ({"name": "陈", "skills": ["first_aid", "cooking"],
                                          "active": True, "slots": 3}, {})


def test_unticked_boxes_are_empty_lists_and_false(app):
    with app.test_request_context("/", method="POST", data={"name": "陈"}):
        assert load_form(_Schema()) == ({"name": "陈", "skills": [], "active": False,
                                          "slots": None}, {})


def test_a_form_can_be_given_instead_of_the_request(app):
    with app.test_request_context("/"):
        data, errors = load_form(_Schema(), MultiDict({"slots": "many"}))
    assert data is None and set(errors) == {"name", "slots"}
