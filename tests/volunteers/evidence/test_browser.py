"""In a browser at a station desk (1366×900): a social worker opens an activity's evidence page
from its staff page, writes the summary, uploads a photo through the form (the file chooser a
phone's camera fills), sees its thumbnail, is told plainly when a file is not a picture, and
deletes the photo after confirming. ``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser import log_in_on
from tests.volunteers.evidence.conftest import image_bytes, phone_exif
from timebank.extensions import db
from volunteers.evidence.models import ActivityPhoto, ActivitySummary

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/evidence-{name}.png", full_page=True)


@pytest.fixture
def live_app(make_app, tmp_path):
    return make_app(SMS_GATEWAY="timebank.notifications.sms:RecordingGateway",
                    EVIDENCE_DIR=str(tmp_path / "evidence"))


def test_staff_add_a_summary_and_a_photo_at_the_desk(desk, live_app, tmp_path, activity, worker):
    log_in_on(desk, worker)
    desk.goto(f"/station/activities/{activity.id}")
    desk.get_by_role("link", name="活动留痕：小结与照片").click()
    expect(desk.get_by_role("heading", name="活动留痕")).to_be_visible()
    desk.get_by_label("做了什么、为谁服务、效果如何").fill("为12位长者义剪，另有2位行动不便的长者上门服务。")
    desk.get_by_role("button", name="保存小结").click()
    expect(desk.get_by_text("活动小结已保存。")).to_be_visible()

    desk.get_by_label("添加照片").set_input_files(files=[{
        "name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture at all"}])
    desk.get_by_role("button", name="上传照片").click()
    expect(desk.locator("#e-photo")).to_contain_text("不是图片")

    desk.get_by_label("添加照片").set_input_files(files=[{
        "name": "IMG_2041.JPG", "mimeType": "image/jpeg",
        "buffer": image_bytes((1600, 1200), exif=phone_exif())}])
    desk.get_by_label("照片说明（选填）").fill("义剪现场")
    desk.get_by_role("button", name="上传照片").click()
    expect(desk.get_by_text("照片已添加。")).to_be_visible()
    thumbnail = desk.locator(".photo-grid img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", "义剪现场")
    # The thumbnail loaded: 320 px on its longest side (upright: the phone held it sideways).
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [240, 320]
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(desk, "page-1366")
    db.session.rollback()
    assert db.session.get(ActivitySummary, activity.id).text.startswith("为12位长者义剪")
    photo = db.session.scalar(select(ActivityPhoto))
    assert photo.caption == "义剪现场" and (photo.width, photo.height) == (1200, 1600)

    desk.locator(".photo-delete summary").click()
    desk.get_by_role("button", name="确定删除").click()
    expect(desk.get_by_text("照片已删除。")).to_be_visible()
    expect(desk.get_by_text("还没有照片。")).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ActivityPhoto)) == 0
    assert list((tmp_path / "evidence").iterdir()) == []
