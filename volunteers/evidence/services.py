"""The rules of evidence (活动留痕): who may add it, what an upload may be, and who may see it.

* Only staff of the activity's station (or a district administrator) write the summary, add
  or delete photos, open them and print the sign-in list (`org.require_station_staff`).
* A summary (活动小结) is 1–2,000 characters, one per activity; writing it again replaces it.
* An upload is read up to ``EVIDENCE_MAX_BYTES`` + 1 bytes: over the limit it is refused (413,
  the limit in words). What it is, is decided by its content, never its name: Pillow must open
  and verify it as JPEG, PNG or WebP, and decode it whole (else 415 ``not_an_image``); an image
  of more than `MAX_PIXELS` pixels (a decompression bomb) is refused (413 ``too_many_pixels``).
  At most ``EVIDENCE_MAX_PHOTOS`` photos an activity (409 ``too_many_photos``).
* What is kept is re-encoded: turned upright by its EXIF orientation, then saved as JPEG with
  no EXIF at all (a phone photo carries the GPS position of the home it was taken in), longest
  side at most `LONGEST_SIDE`, plus a `THUMBNAIL_SIDE` thumbnail. File names are random.
* Files are written only after every check has passed, and tied to the transaction: a photo
  added in a transaction that is rolled back (or never committed) has its files removed when
  the transaction ends; a deleted photo's files go only once the deletion is committed.
* Every change and every sign-in list printed is audited (``evidence.*``).
"""

import io
import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, func, select

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, ServiceError
from timebank.extensions import db
from timebank.org import services as org
from volunteers.activities.models import Activity
from volunteers.evidence.models import ActivityPhoto, ActivitySummary

#: What an upload may be, by what Pillow reads in it.
FORMATS = {"JPEG", "PNG", "WEBP"}
LONGEST_SIDE, THUMBNAIL_SIDE = 2048, 320
#: More pixels than this is refused before decoding (a 48-megapixel phone photo passes).
MAX_PIXELS = 64_000_000
JPEG_QUALITY, THUMBNAIL_QUALITY = 85, 80
SUMMARY_MOST, CAPTION_MOST = 2000, 200
#: Where the files written and removed in the session's transaction are noted.
_WRITTEN, _REMOVED, _HOOKED = "evidence_written", "evidence_removed", "evidence_hooked"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class NotAnImage(ServiceError):
    status = 415
    code = "not_an_image"


def evidence_dir() -> Path:
    """Where the files live: ``EVIDENCE_DIR``, or ``evidence/`` in the instance folder."""
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def photo_path(photo: ActivityPhoto, *, thumbnail: bool = False) -> Path:
    """The file of a photo or of its thumbnail; callers check who may see it first."""
    return evidence_dir() / (photo.thumbnail_name if thumbnail else photo.stored_name)


def max_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or 8 * 1024 * 1024)


def max_photos() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_PHOTOS") or 30)


def size_words(size: int) -> str:
    """``8 MB``, ``500 KB``: a limit as people say it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.4g} MB"
    return f"{max(1, size // 1024)} KB"


def _require_staff(by: User, activity: Activity) -> None:
    org.require_station_staff(by, activity.station_id)


# --- the summary ------------------------------------------------------------------------------

def summary_of(activity_id: int) -> ActivitySummary | None:
    return db.session.get(ActivitySummary, activity_id)


def write_summary(activity: Activity, text, by: User) -> ActivitySummary:
    """Write (or rewrite) the activity's summary: 1–2,000 characters, staff of its station."""
    _require_staff(by, activity)
    if text is not None and not isinstance(text, str):
        raise InvalidInput(fields={"text": [_("Write it as text.")]})
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("Write what was done and for whom.")]})
    if len(text) > SUMMARY_MOST:
        raise InvalidInput(fields={"text": [_("At most %(most)d characters.", most=SUMMARY_MOST)]})
    summary = summary_of(activity.id)
    replaced = summary is not None
    if summary is None:
        summary = ActivitySummary(activity_id=activity.id)
        db.session.add(summary)
    summary.text, summary.written_by_id, summary.written_at = text, by.id, now()
    db.session.flush()
    audit.record("evidence.summary", f"activity:{activity.id}", actor=by,
                 characters=len(text), replaced=replaced)
    return summary


# --- photos -----------------------------------------------------------------------------------

def photos_of(activity_id: int) -> list[ActivityPhoto]:
    return list(db.session.scalars(
        select(ActivityPhoto).where(ActivityPhoto.activity_id == activity_id)
        .order_by(ActivityPhoto.uploaded_at, ActivityPhoto.id)))


def read_upload(file_storage) -> bytes:
    """The upload's bytes, reading at most one byte more than the limit: 413 when over it."""
    if file_storage is None or not getattr(file_storage, "stream", None):
        raise InvalidInput(fields={"photo": [_("Choose a photo to upload.")]})
    limit = max_bytes()
    data = file_storage.stream.read(limit + 1)
    if not data:
        raise InvalidInput(fields={"photo": [_("Choose a photo to upload.")]})
    if len(data) > limit:
        raise TooLarge(_("The photo is larger than %(limit)s, so it was not kept. Take it again "
                         "at a lower resolution, or choose a smaller one.",
                         limit=size_words(limit)), fields={"photo": [_(
                             "At most %(limit)s.", limit=size_words(limit))]})
    return data


def _not_an_image() -> NotAnImage:
    message = _("This file is not a picture: upload a JPEG, PNG or WebP photo.")
    return NotAnImage(message, fields={"photo": [message]})


def _too_many_pixels() -> TooLarge:
    message = _("The picture has too many pixels (at most %(most)d million).",
                most=MAX_PIXELS // 1_000_000)
    return TooLarge(message, code="too_many_pixels", fields={"photo": [message]})


def _open_checked(data: bytes) -> Image.Image:
    """The upload decoded, after checking by its content that it is a whole JPEG, PNG or WebP
    of a sane number of pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise _not_an_image()
                if probe.width * probe.height > MAX_PIXELS:
                    raise _too_many_pixels()
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                # Decode big JPEGs at a reduced scale straight away: less memory, same result.
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                IndexError, TypeError) as error:
            raise _not_an_image() from error
    return image


def _upright_rgb(image: Image.Image) -> Image.Image:
    """Turned by its EXIF orientation, transparency on white, in RGB."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, side: int, quality: int) -> tuple[bytes, tuple[int, int]]:
    """`image` no larger than `side` on its longest side, as JPEG with no metadata at all."""
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=quality, optimize=True)  # no exif=, no icc: nothing kept
    return buffer.getvalue(), copy.size


def prepare(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """(the photo, its thumbnail, the photo's size) as kept, from an upload's bytes."""
    image = _open_checked(data)
    try:
        upright = _upright_rgb(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise _not_an_image() from error
    finally:
        image.close()
    photo, size = _jpeg(upright, LONGEST_SIDE, JPEG_QUALITY)
    thumbnail, _size = _jpeg(upright, THUMBNAIL_SIDE, THUMBNAIL_QUALITY)
    return photo, thumbnail, size


def _session_hooks():
    """Tie files to the session's transaction: those written are removed if it ends without a
    commit, those of deleted photos are removed once it commits."""
    session = db.session()
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    return session


def _unlink(paths) -> None:
    for path in paths:
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass


def _after_commit(session) -> None:
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_REMOVED, []))


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is not None:
        return
    _unlink(session.info.pop(_WRITTEN, []))  # not committed: the rows are gone, so the files
    session.info.pop(_REMOVED, None)  # not committed: the photos are still there


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    partial = folder / f".{name}.part"
    with open(partial, "wb") as out:
        out.write(data)
    os.replace(partial, path)
    return path


#: The names `add_photo` gives (a 24-byte token, the photo and its thumbnail) and `_write`'s
#: partial files: the only files the sweep may remove.
_OUR_FILE = re.compile(r"^\.?[A-Za-z0-9_-]{32}(-thumb)?\.jpg(\.part)?$")


def sweep_orphan_files(*, older_than: timedelta = timedelta(hours=6),
                       at: float | None = None) -> int:
    """Remove photo files no row names, left by a process that died between writing them and
    its commit (a rolled-back request removes its own). Only names of our own making, and only
    files older than `older_than` by their modification time at `at` (seconds since the epoch,
    the file system's clock; default: now), so an upload still under way is never touched.
    Returns how many files went."""
    folder = evidence_dir()
    if not folder.is_dir():
        return 0
    named = set()
    for stored, thumbnail in db.session.execute(
            select(ActivityPhoto.stored_name, ActivityPhoto.thumbnail_name)):
        named.update((stored, thumbnail))
    cutoff = (time.time() if at is None else at) - older_than.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if _OUR_FILE.match(path.name) and path.name not in named and path.is_file() \
                and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def add_photo(activity: Activity, file_storage, caption, by: User) -> ActivityPhoto:
    """Check, re-encode and keep an uploaded photo of the activity, with its thumbnail."""
    _require_staff(by, activity)
    if caption is not None and not isinstance(caption, str):
        raise InvalidInput(fields={"caption": [_("Write it as text.")]})
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MOST:
        raise InvalidInput(fields={"caption": [_("At most %(most)d characters.",
                                                  most=CAPTION_MOST)]})
    count = db.session.scalar(select(func.count()).select_from(ActivityPhoto)
                              .where(ActivityPhoto.activity_id == activity.id))
    if count >= max_photos():
        raise Conflict(_("This activity already has %(most)d photos, the most it may have. "
                         "Delete one first.", most=max_photos()), code="too_many_photos")
    photo_bytes, thumbnail_bytes, (width, height) = prepare(read_upload(file_storage))
    token = secrets.token_urlsafe(24)
    photo = ActivityPhoto(activity_id=activity.id, stored_name=f"{token}.jpg",
                          thumbnail_name=f"{token}-thumb.jpg", content_type="image/jpeg",
                          width=width, height=height, size_bytes=len(photo_bytes),
                          caption=caption, uploaded_by_id=by.id, uploaded_at=now())
    folder = evidence_dir()
    folder.mkdir(parents=True, exist_ok=True)
    session = _session_hooks()
    written = session.info.setdefault(_WRITTEN, [])
    for name, data in ((photo.stored_name, photo_bytes), (photo.thumbnail_name, thumbnail_bytes)):
        written.append(str(_write(folder, name, data)))
    db.session.add(photo)
    db.session.flush()
    audit.record("evidence.photo.add", f"activity:{activity.id}", actor=by, photo_id=photo.id,
                 width=width, height=height, bytes=len(photo_bytes), caption=caption)
    return photo


def get_photo_for(viewer: User, photo_id: int) -> ActivityPhoto:
    """A photo for staff of its activity's station: 404 if there is none, 403 for others."""
    photo = db.session.get(ActivityPhoto, photo_id) if isinstance(photo_id, int) else None
    if photo is None:
        raise NotFound(_("There is no such photo."), code="photo_not_found")
    _require_staff(viewer, photo.activity)
    return photo


def delete_photo(photo: ActivityPhoto, by: User) -> None:
    """Delete the photo; its files go once the deletion is committed."""
    _require_staff(by, photo.activity)
    paths = [str(photo_path(photo)), str(photo_path(photo, thumbnail=True))]
    activity_id, caption, photo_id = photo.activity_id, photo.caption, photo.id
    db.session.delete(photo)
    db.session.flush()
    _session_hooks().info.setdefault(_REMOVED, []).extend(paths)
    audit.record("evidence.photo.delete", f"activity:{activity_id}", actor=by,
                 photo_id=photo_id, caption=caption)


@dataclass
class ActivityEvidence:
    """An activity of a station with its summary and photos: what a reviewer is shown."""

    activity: Activity
    summary: ActivitySummary | None = None
    photos: list[ActivityPhoto] = field(default_factory=list)


def station_evidence(station_id: int, start: datetime, end: datetime) -> list[ActivityEvidence]:
    """The evidence of the station's activities starting in [start, end), oldest first; every
    activity of the span is listed, with or without evidence, so a gap shows."""
    activities = db.session.scalars(
        select(Activity).where(Activity.station_id == station_id, Activity.starts_at >= start,
                               Activity.starts_at < end)
        .order_by(Activity.starts_at, Activity.id)).all()
    found = {activity.id: ActivityEvidence(activity) for activity in activities}
    if not found:
        return []
    for summary in db.session.scalars(
            select(ActivitySummary).where(ActivitySummary.activity_id.in_(found))):
        found[summary.activity_id].summary = summary
    for photo in db.session.scalars(
            select(ActivityPhoto).where(ActivityPhoto.activity_id.in_(found))
            .order_by(ActivityPhoto.uploaded_at, ActivityPhoto.id)):
        found[photo.activity_id].photos.append(photo)
    return list(found.values())


def station_photo(station_id: int, start: datetime, end: datetime,
                  photo_id: int) -> ActivityPhoto | None:
    """One photo of `station_evidence`'s span, or None: one query, for serving it."""
    return db.session.scalar(
        select(ActivityPhoto).join(Activity, Activity.id == ActivityPhoto.activity_id)
        .where(ActivityPhoto.id == photo_id, Activity.station_id == station_id,
               Activity.starts_at >= start, Activity.starts_at < end))


# --- the sign-in list (签到表) ----------------------------------------------------------------

@dataclass
class SignInLine:
    """One person on the sign-in list: their sign-up (or walk-in) and their check-ins."""

    user: User
    phone: str
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    minutes: int = 0


def sign_in_lines(activity: Activity, viewer: User) -> list[SignInLine]:
    """The confirmed sign-ups of the activity in the order they came, then anyone who checked
    in without one (a walk-in); each with their first check-in, last check-out and the minutes
    recorded (a rejected check-in counts nothing). Phones as `viewer` may see them."""
    from timebank.privacy.services import shown_phone
    from volunteers.activities.models import SignUp, SignUpStatus
    from volunteers.checkins.models import CheckIn, CheckInStatus

    sign_ups = db.session.scalars(
        select(SignUp).where(SignUp.activity_id == activity.id,
                             SignUp.status == SignUpStatus.CONFIRMED)
        .order_by(SignUp.created_at, SignUp.id))
    checks = list(db.session.scalars(
        select(CheckIn).where(CheckIn.activity_id == activity.id)
        .order_by(CheckIn.checked_in_at, CheckIn.id)))
    lines: dict[int, SignInLine] = {}
    for entry in sign_ups:
        lines.setdefault(entry.user_id, SignInLine(entry.user, shown_phone(viewer, entry.user)))
    for check in checks:
        line = lines.setdefault(check.user_id,
                                SignInLine(check.user, shown_phone(viewer, check.user)))
        if line.checked_in_at is None or check.checked_in_at < line.checked_in_at:
            line.checked_in_at = check.checked_in_at
        if check.checked_out_at is not None and (line.checked_out_at is None
                                                 or check.checked_out_at > line.checked_out_at):
            line.checked_out_at = check.checked_out_at
        if check.status != CheckInStatus.REJECTED:
            line.minutes += check.minutes or 0
    return list(lines.values())


def sign_in_list(activity: Activity, by: User) -> bytes:
    """The activity's sign-in list as an A4 PDF, for staff of its station; audited, since it
    holds the names (and masked phones) of the people who came."""
    _require_staff(by, activity)
    lines = sign_in_lines(activity, by)
    body = _sign_in_pdf(activity, lines, printed_at=now())
    audit.record("evidence.sign_in_list", f"activity:{activity.id}", actor=by, people=len(lines))
    return body


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _sign_in_pdf(activity: Activity, lines: list[SignInLine], *, printed_at: datetime) -> bytes:
    from flask_babel import format_datetime
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from timebank.clock import local
    from timebank.web import pdf_fonts
    from volunteers.profiles.services import volunteer_number

    font = pdf_fonts.font_name()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    title_style = ParagraphStyle("title", parent=base, fontSize=18, leading=26,
                                 alignment=TA_CENTER, spaceAfter=3 * mm)
    cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=12)
    centred = ParagraphStyle("centred", parent=cell, alignment=TA_CENTER)

    def text(value) -> str:
        from html import escape

        return escape(pdf_fonts.printable(str(value)))

    def moment(value) -> str:
        return local(value).strftime("%H:%M") if value is not None else ""

    start, end = local(activity.starts_at), local(activity.ends_at)
    same_day = start.date() == end.date()
    when = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if same_day \
        else f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
    place = activity.community.name + (f" · {activity.place}" if activity.place else "")
    facts = [
        [_("Activity"), activity.title, _("Theme"), activity.theme.title if activity.theme else "—"],
        [_("Date and time"), when, _("Place"), place],
        [_("Person in charge"), activity.person_in_charge or "—", _("Station"),
         activity.station.name],
    ]
    header_table = Table([[Paragraph(text(value), cell) for value in row] for row in facts],
                         colWidths=[22 * mm, 68 * mm, 22 * mm, 68 * mm])
    header_table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    heads = [_("No."), _("Name"), _("Volunteer number"), _("Mobile"), _("Signed in"),
             _("Signed out"), _("Service hours"), _("Signature")]
    rows = [[Paragraph(text(head), centred) for head in heads]]
    for number, line in enumerate(lines, start=1):
        values = [number, line.user.name, volunteer_number(line.user.id), line.phone or "—",
                  moment(line.checked_in_at), moment(line.checked_out_at),
                  _hours(line.minutes) if line.minutes else "", ""]
        rows.append([Paragraph(text(value), centred if index != 1 else cell)
                     for index, value in enumerate(values)])
    empty_rows = max(0, 5 - len(lines))  # room to add a walk-in by hand
    rows += [[Paragraph(text(len(lines) + extra + 1), centred)] + [""] * 7
             for extra in range(empty_rows)]
    widths = [12, 28, 24, 26, 18, 18, 18, 36]
    table = Table(rows, colWidths=[width * mm for width in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 1), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
    ]))
    signed_in = sum(1 for line in lines if line.checked_in_at is not None)
    total = _("%(people)d people on the list, %(signed)d signed in, %(hours)s service hours "
              "in all.", people=len(lines), signed=signed_in,
              hours=_hours(sum(line.minutes for line in lines)))
    closing = KeepTogether([  # the totals and the signature lines never part
        Spacer(1, 3 * mm), Paragraph(text(total), base), Spacer(1, 8 * mm),
        Paragraph(text(_("Person in charge (signature): ____________    "
                         "Recorder (signature): ____________")), base)])
    story = [Paragraph(text(_("Sign-in list")), title_style), header_table, Spacer(1, 4 * mm),
             table, closing]
    printed = format_datetime(local(printed_at), "yyyy-MM-dd HH:mm")
    footer_font = (font, 8)

    def footer(canvas, document, total_pages=None):
        canvas.saveState()
        canvas.setFont(*footer_font)
        canvas.drawString(15 * mm, 10 * mm, pdf_fonts.printable(
            _("Printed %(when)s · %(station)s", when=printed, station=activity.station.name)))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=18 * mm,
                                 title=f"{_('Sign-in list')} {activity.title}",
                                 author=activity.station.name, subject=_("Sign-in list"))
    document.build(story, onFirstPage=footer, onLaterPages=footer,
                   canvasmaker=_numbered_canvas(footer_font))
    return buffer.getvalue()


def _numbered_canvas(footer_font):
    """A canvas that writes "page n of m" at the foot of each page once m is known."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(*footer_font)
                self.drawRightString(A4[0] - 15 * mm, 10 * mm, _(
                    "Page %(page)d of %(pages)d", page=self._pageNumber, pages=count))
                super().showPage()
            super().save()

    return NumberedCanvas
