"""Templates' ``_`` and ``ngettext`` find their translations once per request and locale, and
still follow a locale forced in the middle of a request."""

from flask import render_template_string
from flask_babel import force_locale

TEXTS = '{{ _("Log in") }}|{{ ngettext("%(num)d activity", "%(num)d activities", 2) }}'


def test_template_text_follows_the_locale_forced_in_the_same_request(app):
    with app.test_request_context():
        assert render_template_string(TEXTS) == "登录|2 个活动"
        with force_locale("en"):
            assert render_template_string(TEXTS) == "Log in|2 activities"
        assert render_template_string(TEXTS) == "登录|2 个活动"
