"""One paginator for every page (`timebank.web.pagination.paginate`)."""

import pytest
from sqlalchemy import select

from timebank.audit import services as audit
from timebank.extensions import db
from timebank.web.pagination import paginate


@pytest.fixture
def entries(app):
    for number in range(3):
        audit.record("test.listed", f"row:{number}")
    db.session.commit()
    return select(audit.AuditEntry).where(audit.AuditEntry.action == "test.listed") \
        .order_by(audit.AuditEntry.id)


@pytest.mark.parametrize(("asked", "page", "shown"), [
    ("2", 2, ["row:2"]), ("", 1, ["row:0", "row:1"]), ("nonsense", 1, ["row:0", "row:1"]),
    ("-4", 1, ["row:0", "row:1"]), ("7", 7, []),
])
def test_the_page_asked_for_is_read_safely(app, entries, asked, page, shown):
    with app.test_request_context(f"/?page={asked}"):
        result = paginate(entries, 2)
        assert (result.page, [entry.subject for entry in result.items], result.total) == \
            (page, shown, 3)


def test_a_page_far_past_the_end_is_empty_not_an_overflow(app, entries):
    with app.test_request_context("/?page=99999999999999"):
        result = paginate(entries, 2)
        assert result.items == [] and result.total == 3
