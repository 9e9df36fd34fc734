"""Qualifications, courses and sessions for the training tests, made through the services."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from timebank.clock import now
from timebank.extensions import db
from volunteers.training import services as training
from volunteers.training.models import Qualification


@pytest.fixture
def first_aid(app):
    """急救证, valid 36 months (the migration seeds it; tests clear tables, so make it again)."""
    qualification = db.session.scalar(select(Qualification).where(Qualification.name == "急救证"))
    if qualification is None:
        qualification = Qualification(name="急救证", valid_months=36, active=True)
        db.session.add(qualification)
        db.session.commit()
    return qualification


@pytest.fixture
def make_session(app):
    """A session of a new course at `station` granting `qualification`, starting `start` from
    now (default: an hour ago) and lasting two hours, 120 training minutes."""

    def make(station, by, *, qualification=None, start=timedelta(hours=-1), minutes=120,
             capacity=None):
        course = training.create_course(by, station.id, title="应急救护培训",
                                        organiser="南沙区红十字会",
                                        qualification_id=qualification.id if qualification else None)
        begins = now() + start
        session = training.create_session(course, by, starts_at=begins,
                                          ends_at=begins + timedelta(hours=2), minutes=minutes,
                                          trainer="王医生", place="南沙街社工站", capacity=capacity)
        db.session.commit()
        return session

    return make
