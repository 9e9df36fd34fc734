"""Evidence through HTTP: the staff page (summary, upload from the form, refusals shown, delete),
photos served privately with nosniff, the API (read, summary, multipart upload, delete, bytes),
and the sign-in list PDF with names and masked phones only."""

import io
import random
from datetime import timedelta

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token, log_in, page, post_form
from tests.volunteers.evidence.conftest import image_bytes, phone_exif
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.evidence.models import ActivityPhoto, ActivitySummary


def photo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ActivityPhoto))


def files(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_staff_write_the_summary_and_upload_a_photo_through_the_page(client, evidence_dir, activity,
                                                                    worker):
    log_in(client, worker)
    detail = page(client, f"/station/activities/{activity.id}")
    assert f"/station/activities/{activity.id}/evidence" in detail
    assert f"/station/activities/{activity.id}/sign-in-list.pdf" in detail
    url = f"/station/activities/{activity.id}/evidence"
    html = page(client, url)
    assert 'accept="image/*"' in html and 'enctype="multipart/form-data"' in html
    response = post_form(client, f"{url}/summary", {"text": "为12位长者义剪。"}, page=url)
    assert response.status_code == 302
    assert db.session.get(ActivitySummary, activity.id).text == "为12位长者义剪。"
    response = client.post(f"{url}/photos", data={
        "csrf_token": csrf_token(client, url), "caption": "义剪现场",
        "photo": (io.BytesIO(image_bytes(exif=phone_exif())), "IMG_0001.JPG")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    photo = db.session.scalar(select(ActivityPhoto))
    html = page(client, url)
    assert "为12位长者义剪。" in html and "义剪现场" in html
    assert f"/station/evidence/photos/{photo.id}/thumbnail" in html
    thumbnail = client.get(f"/station/evidence/photos/{photo.id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert thumbnail.headers["X-Content-Type-Options"] == "nosniff"
    assert thumbnail.headers["Cache-Control"] == "private, no-store"
    assert thumbnail.data[:2] == b"\xff\xd8" and b"Exif" not in thumbnail.data
    full = client.get(f"/station/evidence/photos/{photo.id}")
    assert full.status_code == 200 and len(full.data) == photo.size_bytes


def test_a_refused_upload_is_shown_on_the_page_and_nothing_is_kept(app, client, evidence_dir,
                                                                   activity, worker):
    log_in(client, worker)
    url = f"/station/activities/{activity.id}/evidence"
    response = client.post(f"{url}/photos", data={
        "csrf_token": csrf_token(client, url),
        "photo": (io.BytesIO(b"just some text, renamed"), "notes.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 415
    assert "不是图片" in response.get_data(as_text=True) or \
        "not a picture" in response.get_data(as_text=True)
    app.config["EVIDENCE_MAX_BYTES"] = 50 * 1024
    response = client.post(f"{url}/photos", data={
        "csrf_token": csrf_token(client, url),
        "photo": (io.BytesIO(b"\xff\xd8" + b"\0" * 60 * 1024), "big.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "50 KB" in response.get_data(as_text=True)
    assert photo_count() == 0 and files(evidence_dir) == []


def test_a_photo_above_the_sites_body_limit_but_under_the_photo_limit_is_taken(
        app, client, evidence_dir, activity, worker, api_token):
    """The site refuses bodies over 1 MB; a photo upload may be as large as its own limit."""
    noise = Image.frombytes("RGB", (2500, 600), bytes(random.Random(7).randbytes(2500 * 600 * 3)))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    data = buffer.getvalue()
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict({
        "photo": FileStorage(io.BytesIO(data), filename="big.png")}))
    response = client.post(f"/api/v1/activities/{activity.id}/photos", headers=api_token(worker),
                           data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["width"] == 2048 and response.get_json()["height"] == 492


def test_delete_from_the_page_removes_the_row_and_the_files(client, evidence_dir, activity, worker):
    log_in(client, worker)
    url = f"/station/activities/{activity.id}/evidence"
    client.post(f"{url}/photos", data={"csrf_token": csrf_token(client, url),
                                       "photo": (io.BytesIO(image_bytes()), "a.png")},
                content_type="multipart/form-data")
    photo_id = db.session.scalar(select(ActivityPhoto.id))
    assert len(files(evidence_dir)) == 2
    assert "Delete this photo for good?" in page(client, url) or "确定" in page(client, url)
    response = post_form(client, f"/station/evidence/photos/{photo_id}/delete", {}, page=url)
    assert response.status_code == 302
    assert photo_count() == 0 and files(evidence_dir) == []
    assert client.get(f"/station/evidence/photos/{photo_id}").status_code == 404


def test_other_stations_staff_and_residents_see_nothing(client, evidence_dir, activity, worker,
                                                        other_worker, make_user, api_token):
    staff = api_token(worker)
    response = client.post(f"/api/v1/activities/{activity.id}/photos", headers=staff,
                           data={"photo": (io.BytesIO(image_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
    photo_id = response.get_json()["id"]
    others = api_token(other_worker)
    for url in (f"/api/v1/evidence-photos/{photo_id}", f"/api/v1/evidence-photos/{photo_id}/thumbnail",
                f"/api/v1/activities/{activity.id}/evidence"):
        assert client.get(url, headers=others).status_code == 403
    assert client.delete(f"/api/v1/evidence-photos/{photo_id}", headers=others).status_code == 403
    resident = api_token(make_user(name="居民"))
    assert client.get(f"/api/v1/evidence-photos/{photo_id}", headers=resident).status_code == 403
    assert client.get(f"/api/v1/evidence-photos/{photo_id}").status_code == 401
    log_in(client, other_worker)
    assert client.get(f"/station/evidence/photos/{photo_id}/thumbnail").status_code == 403
    assert client.get(f"/station/activities/{activity.id}/sign-in-list.pdf").status_code == 403
    assert photo_count() == 1


def test_the_api_reads_writes_uploads_and_deletes(client, evidence_dir, activity, worker, api_token):
    staff = api_token(worker)
    base = f"/api/v1/activities/{activity.id}"
    assert client.get(f"{base}/evidence", headers=staff).get_json() == {
        "activity_id": activity.id, "summary": None, "photos": [], "max_photos": 30}
    response = client.put(f"{base}/summary", headers=staff, json={"text": "走访了8户独居长者。"})
    assert response.status_code == 200 and response.get_json()["text"] == "走访了8户独居长者。"
    assert client.put(f"{base}/summary", headers=staff, json={"text": ""}).status_code == 422
    assert client.put(f"{base}/summary", headers=staff, json={"text": "字" * 2001}).status_code == 422
    response = client.post(f"{base}/photos", headers=staff, data={
        "photo": (io.BytesIO(image_bytes(fmt="WEBP")), "a.webp"), "caption": "入户"},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["caption"] == "入户" and photo["content_type"] == "image/jpeg"
    body = client.get(f"{base}/evidence", headers=staff).get_json()
    assert body["summary"]["text"] == "走访了8户独居长者。"
    assert [p["id"] for p in body["photos"]] == [photo["id"]]
    thumbnail = client.get(body["photos"][0]["thumbnail_url"], headers=staff)
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert thumbnail.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(photo["url"], headers=staff).status_code == 200
    response = client.post(f"{base}/photos", headers=staff, data={
        "photo": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "x.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "not_an_image"
    response = client.post(f"{base}/photos", headers=staff, json={"caption": "无图"})
    assert response.status_code == 422 and "photo" in response.get_json()["error"]["fields"]
    assert client.delete(f"/api/v1/evidence-photos/{photo['id']}", headers=staff).status_code == 204
    assert client.get(photo["url"], headers=staff).status_code == 404
    assert client.get("/api/v1/activities/999999/evidence", headers=staff).status_code == 404
    assert photo_count() == 0 and files(evidence_dir) == []
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"evidence.summary", "evidence.photo.add", "evidence.photo.delete"} <= actions


def test_the_sign_in_list_holds_names_and_masked_phones_only(client, activity, worker,
                                                             make_volunteer, station):
    community = station.town.communities[0]
    came = make_volunteer(community, name="林小燕")
    absent = make_volunteer(community, name="黄志强")
    walk_in = make_volunteer(community, name="周大海")
    for person in (came, absent):
        activities.sign_up(activity, person)
    checkin, _ = checkins.check_in(activity, came, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=95))
    checkins.check_in(activity, walk_in, at=activity.starts_at + timedelta(minutes=10))
    db.session.commit()
    log_in(client, worker)
    response = client.get(f"/station/activities/{activity.id}/sign-in-list.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(sheet.extract_text() for sheet in reader.pages)
    for person in (came, absent, walk_in):
        assert person.name in text
        assert person.phone not in text
        assert f"{person.phone[:3]}****{person.phone[-4:]}" in text
    assert f"NS{came.id:06d}" in text and "长者义剪" in text and "陈社工" in text
    assert "社区活动室" in text and station.name in text
    assert "签到表" in text and "签名" in text
    assert "09:00" in text and "10:35" in text  # 签到 and 签退 of 林小燕
    assert "1.5" in text  # 95 minutes rounded by the station's 15 minutes: 1.5 hours
    assert "第 1 页" in text and "共 1 页" in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.sign_in_list"))
    assert entry.actor_id == worker.id and entry.details["people"] == 3


def test_the_openapi_document_describes_the_evidence_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload = paths["/api/v1/activities/{activity_id}/photos"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"413", "415", "409", "422", "201"} <= set(upload["responses"])
    assert "/api/v1/activities/{activity_id}/evidence" in paths
    assert "put" in paths["/api/v1/activities/{activity_id}/summary"]
    assert "delete" in paths["/api/v1/evidence-photos/{photo_id}"]
    image = paths["/api/v1/evidence-photos/{photo_id}/thumbnail"]["get"]["responses"]["200"]
    assert image["content"]["image/jpeg"]["schema"]["format"] == "binary"
    assert body == {"$ref": "#/components/schemas/PhotoUpload"} or "photo" in str(body)


def test_a_long_sign_in_list_runs_over_pages_numbered_n_of_m(app, activity, worker, make_volunteer,
                                                            station):
    from volunteers.evidence import services as evidence

    people = [make_volunteer(station.town.communities[0], name=f"志愿者{number}")
              for number in range(3)]
    lines = [evidence.SignInLine(person, "138****0000") for person in people] * 30
    reader = PdfReader(io.BytesIO(evidence._sign_in_pdf(activity, lines, printed_at=activity.starts_at)))
    count = len(reader.pages)
    assert count >= 2
    assert f"第 1 页 / 共 {count} 页" in reader.pages[0].extract_text()
    last = reader.pages[-1].extract_text()
    assert f"第 {count} 页 / 共 {count} 页" in last and "名单共 90 人" in last
    assert "序号" in reader.pages[1].extract_text()  # the table's head again on the next page
