"""The edge of an HTML action (`timebank.web.actions`): one commit when the service succeeds,
a rollback and the refusal's message when it refuses."""

import pytest
from flask import get_flashed_messages
from sqlalchemy import func, select

from timebank.audit import services as audit
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.web.actions import Outcome, attempt, form_errors, messages_of, perform


def _recorded(action: str) -> int:
    """Audit rows of `action` in the database (the session's own transaction ended first)."""
    db.session.rollback()
    return db.session.scalar(select(func.count(audit.AuditEntry.id))
                             .where(audit.AuditEntry.action == action))


def _refusing(error):
    def action():
        audit.record("test.refused")
        db.session.flush()
        raise error
    return action


def test_a_successful_action_is_committed_and_its_success_flashed(app):
    with app.test_request_context("/", method="POST"):
        response = perform(lambda: audit.record("test.done"), success=lambda entry: entry.action,
                           back_to="/after", failure_to="/again")
        assert (response.status_code, response.location) == (302, "/after")
        assert get_flashed_messages(with_categories=True) == [("success", "test.done")]
    assert _recorded("test.done") == 1


def test_a_refused_action_is_rolled_back_and_its_message_flashed(app):
    with app.test_request_context("/", method="POST"):
        response = perform(_refusing(Conflict("Taken already.")), success="Done.",
                           back_to="/after", failure_to="/again")
        assert (response.status_code, response.location) == (302, "/again")
        assert get_flashed_messages(with_categories=True) == [("error", "Taken already.")]
    assert _recorded("test.refused") == 0


def test_a_refusal_let_through_reaches_the_error_page_after_the_rollback(app):
    with app.test_request_context("/", method="POST"), pytest.raises(PermissionDenied):
        perform(_refusing(PermissionDenied()), success="Done.", back_to="/after",
                let_through=PermissionDenied)
    assert _recorded("test.refused") == 0


def test_only_the_refusals_asked_for_are_caught(app):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(Conflict):
            attempt(_refusing(Conflict()), refused=InvalidInput)
        db.session.rollback()
        refused = attempt(_refusing(InvalidInput(fields={"name": ["Say who."]})), refused=InvalidInput)
        assert refused.result is None and refused.error.fields == {"name": ["Say who."]}


def test_attempt_hands_back_the_services_result(app):
    with app.test_request_context("/", method="POST"):
        outcome = attempt(lambda: audit.record("test.kept"))
        assert outcome == Outcome(outcome.result, None) and outcome.result.action == "test.kept"
    assert _recorded("test.kept") == 1


def test_a_refusal_says_its_fields_or_its_message(app):
    with app.test_request_context("/"):
        by_fields = InvalidInput(fields={"minutes": ["Too many."], "reason": ["Say why."]})
        assert messages_of(by_fields) == "Too many. Say why."
        assert messages_of(by_fields, "；") == "Too many.；Say why."
        assert messages_of(Conflict("Taken already.")) == "Taken already."
        assert form_errors(by_fields) == by_fields.fields
        assert form_errors(Conflict("Taken already.")) == {"_schema": ["Taken already."]}
