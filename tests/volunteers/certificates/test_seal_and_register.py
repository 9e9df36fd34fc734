"""The agency's seal on its certificates (uploaded on its admin page: a PNG or JPEG under 1 MB,
read from the bytes) and the register of issued certificates (证明出具登记)."""

import io
import os
import re

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token, log_in, page
from tests.volunteers.certificates.records import (
    AGENCY,
    ID_NUMBER,
    OTHER_AGENCY,
    OTHER_CODE,
    agency,
    serve,
)
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.org.models import AgencySeal
from volunteers.checkins.models import CheckIn


def image_bytes(kind: str, size=(240, 240), noise: int = 0) -> bytes:
    """A red round seal as `kind` (PNG, JPEG, GIF); `noise` random bytes kept in a PNG text
    chunk make it as large as wanted."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), outline="red", width=10)
    buffer = io.BytesIO()
    if noise:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("noise", os.urandom(noise).hex()[:noise])
        image.save(buffer, format=kind, pnginfo=info)
    else:
        image.save(buffer, format=kind)
    return buffer.getvalue()


def upload(client, agency_id: int, data: bytes, filename: str):
    url = f"/admin/agencies/{agency_id}/seal"
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": csrf_token(client, url),
        "seal": FileStorage(io.BytesIO(data), filename=filename)}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def district(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")


def test_the_district_uploads_a_seal_and_the_certificate_draws_it(app, client, served, district):
    agency_id = served["station"].agency_id
    volunteer = app.test_client()
    log_in(volunteer, served["volunteer"])
    without = volunteer.get("/volunteer/certificate.pdf").data
    log_in(client, district)
    assert "上传印章" in page(client, f"/admin/agencies/{agency_id}/seal")
    assert f"/admin/agencies/{agency_id}/seal" in page(client, f"/admin/agencies/{agency_id}")
    png = image_bytes("PNG")
    response = upload(client, agency_id, png, "seal.png")
    assert response.status_code == 302
    seal = db.session.get(AgencySeal, agency_id)
    assert (seal.content_type, seal.data, seal.uploaded_by_id) == ("image/png", png, district.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "org.agency.seal"))
    assert entry.subject == f"agency:{agency_id}" and entry.actor_id == district.id
    shown = client.get(f"/admin/agencies/{agency_id}/seal/image")
    assert shown.status_code == 200 and shown.data == png and shown.mimetype == "image/png"
    # A JPEG replaces it.
    assert upload(client, agency_id, image_bytes("JPEG"), "公章.JPG").status_code == 302
    db.session.expire_all()
    assert db.session.get(AgencySeal, agency_id).content_type == "image/jpeg"

    served_again = volunteer.get("/volunteer/certificate.pdf?show_full_id=1").data
    images = [name for page_ in PdfReader(io.BytesIO(served_again)).pages
              for name in page_.images]
    plain = [name for page_ in PdfReader(io.BytesIO(without)).pages for name in page_.images]
    assert len(images) == len(plain) + 1, "the seal is drawn beside the QR code"


@pytest.mark.parametrize(("data", "filename", "message"), [
    (lambda: image_bytes("GIF"), "seal.gif", "印章须为 PNG 或 JPEG 图片"),
    (lambda: image_bytes("PNG", size=(400, 400), noise=1_290_000), "seal.png", "须小于 1 MB"),
    (lambda: "这不是图片，只是改了扩展名".encode() * 10, "seal.png", "印章须为 PNG 或 JPEG 图片"),
    (lambda: b"", "seal.png", "请选择要上传的印章图片"),
])
def test_a_seal_that_is_not_a_png_or_jpeg_under_1_mb_is_refused(client, served, district, data,
                                                                  filename, message):
    body = data()
    if "1 MB" in message:
        assert len(body) > 1.2 * 1024 * 1024  # a 1.2 MB PNG
    log_in(client, district)
    response = upload(client, served["station"].agency_id, body, filename)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="error"' in html
    assert db.session.scalar(select(func.count(AgencySeal.agency_id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "org.agency.seal")) == 0


def test_station_managers_of_the_agency_upload_its_seal_and_no_one_else(
        app, client, served, make_station, make_staff):
    agency_id = served["station"].agency_id
    log_in(client, served["manager"])
    assert f"/admin/agencies/{agency_id}/seal" in page(
        client, f"/admin/stations/{served['station'].id}")
    assert upload(client, agency_id, image_bytes("PNG"), "seal.png").status_code == 302

    elsewhere = make_station(name="榄核镇")
    outsider = app.test_client()
    log_in(outsider, make_staff(elsewhere, Role.STATION_MANAGER, name="外站主管"))
    assert outsider.get(f"/admin/agencies/{agency_id}/seal").status_code == 403
    worker = app.test_client()
    log_in(worker, served["worker"])
    assert worker.get(f"/admin/agencies/{agency_id}/seal").status_code == 403
    assert worker.get(f"/admin/agencies/{agency_id}/seal/image").status_code == 403


# --- the register ---------------------------------------------------------------------------

def test_the_register_lists_what_the_agency_issued_current_or_superseded(
        app, client, served, make_station, make_staff, make_activity, make_user):
    # The volunteer prints the home station's certificate, then serves with another agency.
    log_in(client, served["volunteer"])
    first = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    elsewhere = make_station(name="榄核镇")
    elsewhere.agency_id = agency(OTHER_AGENCY, OTHER_CODE).id
    db.session.commit()
    other_worker = make_staff(elsewhere, name="榄核社工")
    serve(make_activity(elsewhere, other_worker, title="湿地清洁日", start="2026-11-15 09:00",
                        hours=2, allow_walk_ins=True), served["volunteer"], other_worker)
    other = client.get(f"/volunteer/certificate.pdf?station_id={elsewhere.id}") \
        .headers["X-Certificate-Number"]
    # A correction supersedes the first.
    checkin = db.session.scalar(select(CheckIn).order_by(CheckIn.id))
    ledger.reverse(db.session.get(ledger.Transfer, checkin.transfer_id), "误批",
                   posted_by=served["manager"])
    db.session.commit()
    second = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]

    staff = app.test_client()
    log_in(staff, served["worker"])
    html = page(staff, "/station/certificates")
    assert "证明出具登记" in html
    assert first in html and second in html and other not in html
    assert "陈晓敏" in html and "139****" in html and served["volunteer"].phone not in html
    assert ID_NUMBER not in html
    rows = {number: re.search(rf"{number}.*?</tr>", html, re.S).group(0) for number in (first, second)}
    assert "已作废" in rows[first] and "有效" in rows[second] and "已作废" not in rows[second]
    assert AGENCY in rows[first] and "志愿者本人" in rows[first]

    assert second in page(staff, f"/station/certificates?q={second.lower()}")
    assert first not in page(staff, f"/station/certificates?q={second}")
    assert first in page(staff, "/station/certificates?q=晓敏")
    assert "没有符合条件的证明" in page(staff, "/station/certificates?q=无此人")

    everyone = app.test_client()
    log_in(everyone, make_user(Role.DISTRICT_ADMIN))
    district_html = page(everyone, "/station/certificates")
    assert first in district_html and second in district_html and other in district_html

    resident = app.test_client()
    log_in(resident, make_user(name="居民"))
    assert resident.get("/station/certificates").status_code == 403
