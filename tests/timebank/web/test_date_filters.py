"""The date filters remember what they formatted, and answer exactly as Flask-Babel's."""

from datetime import UTC, datetime, timedelta, timezone

import flask_babel
from flask import render_template_string
from flask_babel import force_locale

from timebank.web.site import time_span

START = datetime(2026, 12, 16, 1, 30, tzinfo=UTC)
#: The same instant, written in Beijing time: equal to START, but its ISO text differs.
START_HERE = START.astimezone(timezone(timedelta(hours=8)))
#: What the activity macro printed before `time_span`, with Flask-Babel's own filters.
FORMER_SPAN = ('<time datetime="{{ s.isoformat() }}">{{ fd(s, "medium") }} {{ fdt(s, "EEE") }} '
               '{{ ft(s, "short") }}–{{ ft(e, "short") }}</time>')


def test_remembered_filters_answer_as_flask_babel_in_each_language(app):
    originals = {"datetimeformat": flask_babel.format_datetime, "dateformat": flask_babel.format_date,
                 "timeformat": flask_babel.format_time}
    with app.test_request_context():
        answers = {}
        for language in ("zh_Hans_CN", "en"):
            with force_locale(language):
                for name, original in originals.items():
                    for value in (START, START_HERE, START.date() if name == "dateformat" else START):
                        assert app.jinja_env.filters[name](value, "short") == original(value, "short")
                answers[language] = app.jinja_env.filters["datetimeformat"](START, "medium")
        assert answers["zh_Hans_CN"] != answers["en"]


def test_time_span_reads_as_the_former_macro_whatever_the_zone_it_is_written_in(app):
    end = START + timedelta(hours=2)
    with app.test_request_context():
        for language in ("zh_Hans_CN", "en"):
            with force_locale(language):
                for start in (START, START_HERE, START):  # the third from memory
                    former = render_template_string(
                        FORMER_SPAN, s=start, e=end, fd=flask_babel.format_date,
                        fdt=flask_babel.format_datetime, ft=flask_babel.format_time)
                    assert str(time_span(start, end)) == former
