"""A volunteer with something in most tables: approved service at a station (check-ins, ledger
entries), a certificate, a sign-up, a help request, a correction request, notifications."""

from datetime import timedelta

import pytest

from tests.volunteers.certificates.conftest import served  # noqa: F401 (a fixture)
from tests.volunteers.certificates.records import ID_NUMBER
from timebank.clock import now
from timebank.extensions import db
from timebank.notifications.services import notify
from timebank.personal_data import services as personal

NAME = "陈晓敏"


@pytest.fixture
def person(served, make_activity):  # noqa: F811 (the fixture above)
    """`served` with more rows about the volunteer, and the certificate number."""
    from timebank.exchange.mutual_aid import services as mutual_aid
    from volunteers.activities.services import sign_up
    from volunteers.certificates import services as certificates

    volunteer, station = served["volunteer"], served["station"]
    later = make_activity(station, served["worker"], title="周末义诊协助",
                          start=(now() + timedelta(days=3)).strftime("%Y-%m-%d 09:00"))
    sign_up(later, volunteer)
    certificate, _record = certificates.issue(volunteer, by=volunteer, station_id=station.id)
    mutual_aid.post_request(volunteer, {
        "title": "陪同就医", "description": "我住在大井村12号，需要人陪我去医院",
        "category": "escort_to_clinic", "minutes": 60, "place": "大井村12号",
        "starts_at": now() + timedelta(days=2)})
    personal.request_correction(volunteer, "id_number", "出生日期那几位填错了", ID_NUMBER)
    notify(volunteer.id, "test:personal:hello", "您好", f"{NAME}，您的证明已出具")
    db.session.commit()
    return {**served, "certificate": certificate.number}
