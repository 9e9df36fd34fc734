"""The rules of evidence: an upload is judged by its content and its size, re-encoded upright
without EXIF (no GPS), thumbnailed; only the station's staff; a refusal leaves no row and no
file; files follow the transaction; the summary's length."""

import io
import os
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.volunteers.evidence.conftest import image_bytes, phone_exif
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from volunteers.evidence import services as evidence
from volunteers.evidence.models import ActivityPhoto, ActivitySummary


def upload(data: bytes, name="photo.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")


def files(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def photo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ActivityPhoto))


def test_a_jpeg_is_kept_reencoded_with_a_thumbnail_and_audited(evidence_dir, activity, worker):
    photo = evidence.add_photo(activity, upload(image_bytes((3000, 2000))), " 义剪现场 ", worker)
    db.session.commit()
    assert photo.caption == "义剪现场" and photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (2048, 1365)
    with Image.open(evidence.photo_path(photo)) as kept:
        assert kept.format == "JPEG" and kept.size == (2048, 1365)
    with Image.open(evidence.photo_path(photo, thumbnail=True)) as thumbnail:
        assert max(thumbnail.size) == 320 and thumbnail.size == (320, 213)
    assert files(evidence_dir) == sorted([photo.stored_name, photo.thumbnail_name])
    assert "photo" not in photo.stored_name and len(photo.stored_name) > 30
    assert photo.size_bytes == evidence.photo_path(photo).stat().st_size
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.photo.add"))
    assert entry.actor_id == worker.id and entry.details["photo_id"] == photo.id


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_taken_and_kept_as_jpeg(evidence_dir, activity, worker, fmt):
    photo = evidence.add_photo(activity, upload(image_bytes(fmt=fmt), name="x.bin"), "", worker)
    with Image.open(evidence.photo_path(photo)) as kept:
        assert kept.format == "JPEG" and kept.size == (800, 600)


def test_a_transparent_png_is_put_on_white(evidence_dir, activity, worker):
    photo = evidence.add_photo(activity, upload(image_bytes(fmt="PNG", mode="RGBA")), "", worker)
    with Image.open(evidence.photo_path(photo)) as kept:
        assert kept.mode == "RGB"


def test_exif_orientation_is_applied_and_gps_and_all_exif_removed(evidence_dir, activity, worker):
    data = image_bytes((800, 600), exif=phone_exif(orientation=6))
    with Image.open(io.BytesIO(data)) as original:  # the upload does carry the position
        assert original.getexif().get_ifd(0x8825)
    photo = evidence.add_photo(activity, upload(data), "", worker)
    assert (photo.width, photo.height) == (600, 800)  # turned upright: 90° clockwise
    for path in (evidence.photo_path(photo), evidence.photo_path(photo, thumbnail=True)):
        raw = path.read_bytes()
        with Image.open(path) as kept:
            assert not kept.getexif() and "exif" not in kept.info
            if path == evidence.photo_path(photo):
                # The red left half of the sideways picture is now at the top.
                top, bottom = kept.getpixel((300, 50)), kept.getpixel((300, 750))
                assert top[0] > 150 and top[2] < 100 and bottom[2] > 150
        assert b"Exif" not in raw and b"PhoneMaker" not in raw


@pytest.mark.parametrize("data", [
    b"hello, this is a text file renamed to .jpg\n" * 20,
    image_bytes()[:2000],  # a truncated JPEG
    b"GIF89a" + image_bytes(fmt="GIF")[6:],  # a real GIF: not one of the kinds taken
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500,
], ids=["text", "truncated", "gif", "pdf"])
def test_what_is_not_a_jpeg_png_or_webp_is_refused_and_nothing_kept(evidence_dir, activity, worker,
                                                                   data):
    with pytest.raises(evidence.NotAnImage) as refused:
        evidence.add_photo(activity, upload(data), "", worker)
    assert refused.value.status == 415 and refused.value.code == "not_an_image"
    db.session.rollback()
    assert photo_count() == 0 and files(evidence_dir) == []


def test_an_upload_over_the_limit_is_refused_with_the_limit_in_words(app, evidence_dir, activity,
                                                                    worker):
    app.config["EVIDENCE_MAX_BYTES"] = 100 * 1024

    class Counting(io.BytesIO):
        asked = []

        def read(self, size=-1):
            self.asked.append(size)
            return super().read(size)

    stream = Counting(image_bytes((2000, 2000)) + b"\0" * 300 * 1024)
    with pytest.raises(evidence.TooLarge) as refused:
        evidence.add_photo(activity, FileStorage(stream, filename="big.jpg"), "", worker)
    assert refused.value.status == 413 and "100 KB" in refused.value.message
    assert Counting.asked == [100 * 1024 + 1]  # never read more than the limit and one byte
    db.session.rollback()
    assert photo_count() == 0 and files(evidence_dir) == []


def test_a_decompression_bomb_is_refused_before_decoding(evidence_dir, activity, worker):
    # A PNG header claiming 20,000 × 20,000 pixels with a few bytes of data.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + \
            zlib.crc32(kind + body).to_bytes(4, "big")

    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    with pytest.raises(evidence.TooLarge) as refused:
        evidence.add_photo(activity, upload(bomb), "", worker)
    assert refused.value.code == "too_many_pixels"
    db.session.rollback()
    assert photo_count() == 0 and files(evidence_dir) == []


def test_no_file_and_a_long_caption_are_field_errors(evidence_dir, activity, worker):
    with pytest.raises(InvalidInput) as refused:
        evidence.add_photo(activity, upload(b""), "", worker)
    assert "photo" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        evidence.add_photo(activity, upload(image_bytes()), "长" * 201, worker)
    assert "caption" in refused.value.fields
    db.session.rollback()
    assert photo_count() == 0 and files(evidence_dir) == []


def test_the_number_of_photos_is_capped(app, evidence_dir, activity, worker):
    app.config["EVIDENCE_MAX_PHOTOS"] = 2
    for _ in range(2):
        evidence.add_photo(activity, upload(image_bytes((200, 150))), "", worker)
    with pytest.raises(Conflict) as refused:
        evidence.add_photo(activity, upload(image_bytes((200, 150))), "", worker)
    assert refused.value.code == "too_many_photos"


def test_staff_of_another_station_may_not_add_see_or_delete(evidence_dir, activity, worker,
                                                            other_worker, district_admin):
    with pytest.raises(PermissionDenied):
        evidence.add_photo(activity, upload(image_bytes()), "", other_worker)
    with pytest.raises(PermissionDenied):
        evidence.write_summary(activity, "乙站写的", other_worker)
    db.session.rollback()
    assert photo_count() == 0 and files(evidence_dir) == []
    photo = evidence.add_photo(activity, upload(image_bytes()), "", worker)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        evidence.get_photo_for(other_worker, photo.id)
    with pytest.raises(PermissionDenied):
        evidence.delete_photo(photo, other_worker)
    with pytest.raises(PermissionDenied):
        evidence.sign_in_list(activity, other_worker)
    with pytest.raises(NotFound):
        evidence.get_photo_for(worker, photo.id + 1000)
    assert evidence.get_photo_for(district_admin, photo.id) == photo


def test_a_photo_added_in_a_transaction_rolled_back_leaves_no_file(evidence_dir, activity, worker):
    evidence.add_photo(activity, upload(image_bytes()), "", worker)
    assert len(files(evidence_dir)) == 2
    db.session.rollback()
    assert files(evidence_dir) == [] and photo_count() == 0


def test_a_photo_added_but_never_committed_leaves_no_file(evidence_dir, activity, worker):
    evidence.add_photo(activity, upload(image_bytes()), "", worker)
    db.session.close()  # the request ended without a commit
    assert files(evidence_dir) == []


def test_a_deleted_photos_files_go_only_when_the_deletion_is_committed(evidence_dir, activity,
                                                                       worker):
    photo = evidence.add_photo(activity, upload(image_bytes()), "", worker)
    db.session.commit()
    photo_id = photo.id
    evidence.delete_photo(photo, worker)
    db.session.rollback()  # changed their mind: the photo and its files stay
    assert photo_count() == 1 and len(files(evidence_dir)) == 2
    evidence.delete_photo(db.session.get(ActivityPhoto, photo_id), worker)
    db.session.commit()
    assert photo_count() == 0 and files(evidence_dir) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.photo.delete"))
    assert entry.details["photo_id"] == photo_id


def test_the_summary_is_written_rewritten_and_bounded(activity, worker):
    evidence.write_summary(activity, "  为12位长者义剪。 ", worker)
    db.session.commit()
    assert db.session.get(ActivitySummary, activity.id).text == "为12位长者义剪。"
    evidence.write_summary(activity, "为15位长者义剪，另有3位上门服务。", worker)
    db.session.commit()
    assert db.session.get(ActivitySummary, activity.id).text.startswith("为15位")
    for bad in ("", "   ", "字" * 2001, 12):
        with pytest.raises(InvalidInput):
            evidence.write_summary(activity, bad, worker)
    assert evidence.write_summary(activity, "字" * 2000, worker).text == "字" * 2000
    actions = db.session.scalars(select(AuditEntry.details)
                                 .where(AuditEntry.action == "evidence.summary")).all()
    assert [details["replaced"] for details in actions] == [False, True, True]


def test_station_evidence_lists_the_summary_and_photos(evidence_dir, activity, worker):
    evidence.write_summary(activity, "小结", worker)
    photo = evidence.add_photo(activity, upload(image_bytes()), "", worker)
    db.session.commit()
    [found] = evidence.station_evidence(activity.station_id, activity.starts_at - timedelta(days=1),
                                        activity.ends_at)
    assert found.summary.text == "小结" and found.photos == [photo]


def test_the_settings_default_to_8_mb_30_photos_and_the_instance_folder(app, monkeypatch):
    from timebank.config import DEFAULTS

    assert DEFAULTS["EVIDENCE_MAX_BYTES"] == 8 * 1024 * 1024 and DEFAULTS["EVIDENCE_MAX_PHOTOS"] == 30
    assert evidence.size_words(DEFAULTS["EVIDENCE_MAX_BYTES"]) == "8 MB"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", None)
    assert evidence.evidence_dir() == Path(app.instance_path) / "evidence"


def test_the_sweep_removes_only_old_files_of_ours_that_no_row_names(evidence_dir, activity,
                                                                     worker):
    """A process that died between writing a photo and its commit left two files; the nightly
    sweep removes them once old, and leaves a kept photo, a fresh upload and foreign files."""
    kept = evidence.add_photo(activity, upload(image_bytes()), "", worker)
    db.session.commit()
    at = 2_000_000_000.0  # the file system's clock, pinned: every file's time is set below
    orphan, orphan_thumb = "A" * 32 + ".jpg", "A" * 32 + "-thumb.jpg"
    fresh, foreign = "B" * 32 + ".jpg", "notes.txt"
    for name in (orphan, orphan_thumb, fresh, foreign):
        (evidence_dir / name).write_bytes(b"x")
    day_old, minute_old = at - 24 * 3600, at - 60
    for name in (orphan, orphan_thumb, foreign, kept.stored_name, kept.thumbnail_name):
        os.utime(evidence_dir / name, (day_old, day_old))
    os.utime(evidence_dir / fresh, (minute_old, minute_old))
    assert evidence.sweep_orphan_files(at=at) == 2
    assert sorted(path.name for path in evidence_dir.iterdir()) == sorted(
        [kept.stored_name, kept.thumbnail_name, fresh, foreign])
    assert evidence.sweep_orphan_files(at=at) == 0  # a second run finds nothing
