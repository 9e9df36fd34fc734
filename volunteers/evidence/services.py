"""The rules of evidence: who may add it, what an upload may be, and who may see it."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from timebank.extensions import db
from volunteers.activities.models import Activity
from volunteers.evidence.models import ActivityPhoto, ActivitySummary


def evidence_dir() -> Path:
    """Where the files live: ``EVIDENCE_DIR``, or ``evidence/`` in the instance folder."""
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def photo_path(photo: ActivityPhoto, *, thumbnail: bool = False) -> Path:
    """The file of a photo or of its thumbnail; callers check who may see it first."""
    return evidence_dir() / (photo.thumbnail_name if thumbnail else photo.stored_name)


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
