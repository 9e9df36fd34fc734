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
