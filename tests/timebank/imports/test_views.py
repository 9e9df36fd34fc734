"""The import page: template, upload, dry run, confirmation; limits and who may use it."""

import io
import time

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token, page
from tests.timebank.imports.helpers import table_counts
from timebank.accounts.permissions import Role
from timebank.org import services as org

GEOGRAPHY = ("镇街,村居,社工站,片区\n南沙街道,金洲社区,南沙街道社工服务站,第一片区\n"
             "南沙街道,港湾社区,南沙街道社工服务站,第一片区\n").encode()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _upload(client, content: bytes, filename: str, kind: str):
    token = csrf_token(client, "/admin/imports/")
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict({
        "kind": kind, "csrf_token": token,
        "file": FileStorage(io.BytesIO(content), filename=filename)}))
    return client.post("/admin/imports/check", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _finished(client, response):
    """Follow a job's page until its job ends; the page of the result."""
    assert response.status_code == 302, response.status_code
    url = response.headers["Location"]
    for _attempt in range(600):
        status = client.get(f"{url}.json").get_json()
        if status["state"] != "running":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the import job did not end")
    return client.get(url)


def _check(client, content: bytes, filename: str, kind: str):
    return _finished(client, _upload(client, content, filename, kind))


def _apply(client, html: str, **extra):
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/admin/imports/apply", data={
        "token": token, "csrf_token": csrf_token(client, "/admin/imports/"), **extra})
    return _finished(client, response) if response.status_code == 302 and not extra \
        else response


def test_upload_shows_the_dry_run_then_confirming_imports(client, login, make_user, uploads):
    login(make_user(Role.DISTRICT_ADMIN))
    html = page(client, "/admin/imports/")
    assert "/admin/imports/template/volunteers.xlsx" in html
    before = table_counts()
    checked = _check(client, GEOGRAPHY, "geography.csv", "geography")
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    assert "import-counts" in html and 'name="token"' in html
    assert table_counts() == before  # the dry run wrote nothing
    done = _apply(client, html)
    assert done.status_code == 200 and 'name="token"' not in done.get_data(as_text=True)
    assert [town.name for town in org.towns()] == ["南沙街道"]
    assert not list(uploads.glob("*.upload"))  # the stored upload is gone
    again = _apply(client, html)
    assert again.status_code == 409  # a confirmation applies once
    audit = client.get("/admin/audit/?action=import.geography").get_data(as_text=True)
    assert "文件: geography.csv" in audit and "created: 2" in audit


def test_bad_rows_are_listed_with_row_and_column_and_nothing_is_written(client, login, make_user):
    login(make_user(Role.DISTRICT_ADMIN))
    before = table_counts()
    content = "镇街,村居,社工站\n南沙街道,,站\n".encode()
    response = _check(client, content, "geography.csv", "geography")
    html = response.get_data(as_text=True)
    assert "<td>2</td><td>村居</td>" in html and 'name="token"' not in html
    assert table_counts() == before


def test_a_file_in_the_wrong_format_gets_a_clear_message(client, login, make_user):
    login(make_user(Role.DISTRICT_ADMIN))
    response = _check(client, b"%PDF-1.4 \x00\x01", "roster.pdf", "volunteers")
    html = response.get_data(as_text=True)
    assert "xlsx" in html and 'name="token"' not in html


def test_a_50_mb_upload_is_refused_clearly_and_nothing_is_written(client, login, make_user, uploads):
    login(make_user(Role.DISTRICT_ADMIN))
    before = table_counts()
    big = GEOGRAPHY + b"x" * (50 * 1024 * 1024)
    response = _upload(client, big, "geography.csv", "geography")
    assert response.status_code == 413
    assert "20 MB" in response.get_data(as_text=True)
    assert table_counts() == before
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_file_above_the_site_limit_but_within_the_import_limit_is_read(client, login, make_user):
    login(make_user(Role.DISTRICT_ADMIN))
    rows = "".join(f"南沙街道,社区{i},南沙街道社工服务站,第一片区\n" for i in range(40_000))
    content = ("镇街,村居,社工站,片区\n" + rows).encode()
    assert len(content) > 1024 * 1024
    response = _check(client, content, "geography.csv", "geography")
    assert "40,000" in response.get_data(as_text=True) or "40000" in response.get_data(as_text=True)


def test_templates_download_with_the_exact_header(client, login, make_user):
    login(make_user(Role.DISTRICT_ADMIN))
    csv_file = client.get("/admin/imports/template/staff.csv")
    assert csv_file.status_code == 200
    assert csv_file.data.decode("utf-8-sig").splitlines()[0] == "姓名,手机号,角色,社工站,片区"
    xlsx = client.get("/admin/imports/template/volunteers.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [cell.value for cell in sheet[1]] == ["姓名", "手机号", "身份证号", "村居", "技能",
                                                 "原有时长(分钟)"]
    assert client.get("/admin/imports/template/staff.pdf").status_code == 404


def test_station_managers_import_staff_and_volunteers_only_and_residents_nothing(client, login, make_user,
                                                                        manager_for):
    manager = manager_for()
    login(manager)
    html = page(client, "/admin/imports/")
    assert 'value="volunteers"' in html and 'value="staff"' in html
    assert 'value="geography"' not in html
    assert _upload(client, GEOGRAPHY, "g.csv", "geography").status_code == 422
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/imports/")})
    login(make_user(Role.RESIDENT))
    assert client.get("/admin/imports/").status_code == 403


def test_an_upload_without_the_csrf_token_is_refused(client, login, make_user):
    login(make_user(Role.DISTRICT_ADMIN))
    response = client.post("/admin/imports/check", content_type="multipart/form-data", data={
        "kind": "geography", "file": (io.BytesIO(GEOGRAPHY), "g.csv")})
    assert response.status_code == 400


def test_a_confirmation_starts_the_import_once_even_when_sent_twice_at_once(
        app, client, login, make_user, monkeypatch):
    from timebank.imports import views

    login(make_user(Role.DISTRICT_ADMIN))
    html = _check(client, GEOGRAPHY, "geography.csv", "geography").get_data(as_text=True)
    started = []
    # As if the second click arrives before the first one's job has said it is running.
    monkeypatch.setattr(views, "_start", lambda token, meta, dry_run: started.append(token))
    token = html.split('name="token" value="')[1].split('"')[0]
    answers = [client.post("/admin/imports/apply", data={
        "token": token, "csrf_token": csrf_token(client, "/admin/imports/")}).status_code
        for _click in range(2)]
    assert answers == [302, 409] and len(started) == 1


def test_old_uploads_and_job_files_are_removed_by_the_next_upload(client, login, make_user,
                                                                  uploads):
    import os

    from timebank.imports import views

    login(make_user(Role.DISTRICT_ADMIN))
    _check(client, GEOGRAPHY, "geography.csv", "geography")
    uploads.mkdir(exist_ok=True)
    old, recent = uploads / "forgotten.upload", uploads / "recent.status.json"
    old.write_text("x")
    recent.write_text("{}")
    # File times against the test's clock (pinned), as the page compares them.
    long_ago, lately = time.time() - views.KEEP_SECONDS - 60, time.time() - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(recent, (lately, lately))
    _check(client, GEOGRAPHY, "geography.csv", "geography")
    assert not old.exists() and recent.exists()
