"""The edge of an HTML action: call the service, commit once, say what happened.

Every page that changes something goes through here, so the rule is written once: the
service runs; if it succeeds the request's transaction is committed (once, here) and the
success is shown; if it refuses (a `ServiceError`) everything it wrote is rolled back and
its message is shown instead.

- `perform` is for the usual post-redirect-get: flash the outcome, redirect.
- `attempt` is for a page that shows a refusal itself, such as a form shown again with its
  field errors (`form_errors`) and a 4xx status, or a refusal page.

A page may narrow what counts as a refusal (``refused=InvalidInput``: anything else is an
error page) or let some refusals through to the error page after the rollback
(``let_through=PermissionDenied``: a 403, not a flash).
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import flash, redirect

from timebank.errors import ServiceError
from timebank.extensions import db

Refusals = type[ServiceError] | tuple[type[ServiceError], ...]


class Outcome(NamedTuple):
    """What `attempt` brings back: the service's result, or the refusal (never both)."""

    result: Any
    error: ServiceError | None


def attempt(action: Callable[[], Any], *, refused: Refusals = ServiceError,
            let_through: Refusals = ()) -> Outcome:
    """Run `action` (a call of a service); commit when it succeeds, roll back when it refuses.

    A refusal of the kinds in `refused` comes back in the outcome; one in `let_through` is
    raised again after the rollback, for the error page to answer.
    """
    try:
        result = action()
    except let_through:
        db.session.rollback()
        raise
    except refused as error:
        db.session.rollback()
        return Outcome(None, error)
    db.session.commit()
    return Outcome(result, None)


def messages_of(error: ServiceError, separator: str = " ") -> str:
    """The refusal's field messages on one line, or its own message when it names no field."""
    said = separator.join(str(message) for messages in error.fields.values()
                          for message in messages)
    return said or error.message


def form_errors(error: ServiceError) -> dict:
    """A refusal as a form's errors: its field errors, or its message above the form."""
    return error.fields or {"_schema": [error.message]}


def perform(action: Callable[[], Any], *, success: str | Callable[[Any], str], back_to: str,
            failure_to: str | None = None, refused: Refusals = ServiceError,
            let_through: Refusals = (), say: Callable[[ServiceError], str] | None = None,
            category: str = "success"):
    """`attempt` the action, then flash what happened and redirect.

    `success` is the message (or makes it from the service's result), flashed as `category`;
    a refusal flashes its message (or what `say` makes of it) as an error. Both redirect to
    `back_to`, a refusal to `failure_to` when that is given.
    """
    outcome = attempt(action, refused=refused, let_through=let_through)
    if outcome.error is not None:
        flash(say(outcome.error) if say is not None else outcome.error.message, "error")
        return redirect(failure_to or back_to)
    flash(success(outcome.result) if callable(success) else success, category)
    return redirect(back_to)
