"""Templates' url_for remembers what it built, yet answers as Flask's for each script root."""

from flask import render_template_string, url_for


def test_remembered_urls_follow_the_script_root_and_the_values(app):
    page = "{{ url_for('site.home') }} {{ url_for('site.switch_language', code='en', next=n) }}"
    for root in ("", "/bank", ""):
        with app.test_request_context("/", base_url=f"http://localhost{root}"):
            for target in ("/a", "/b", "/a"):
                expected = f"{url_for('site.home')} {url_for('site.switch_language', code='en', next=target)}"
                assert render_template_string(page, n=target) == expected
                assert expected.startswith(f"{root}/ {root}/lang/en?next=")


def test_outside_a_request_templates_build_urls_as_flask_does(make_app):
    """A template a job renders (no request: nothing to key on) goes to Flask each time."""
    with make_app(SERVER_NAME="bank.example").app_context():
        assert render_template_string("{{ url_for('site.home') }}") == url_for("site.home") \
            == "http://bank.example/"
