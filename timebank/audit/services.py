"""The audit log: who did what, when and why. Rows are only ever added."""

from datetime import date, datetime, time, timedelta

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, or_, select

from timebank.audit.models import (  # noqa: F401 (the models, for callers of this module)
    AuditEntry,
)
from timebank.clock import zone
from timebank.extensions import db


def record(action: str, subject: str | None = None, *, actor=None, reason=None, **details):
    """Add an audit entry to the session; it commits with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action,
        subject=subject,
        actor_id=actor.id if actor is not None else None,
        reason=reason,
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def subject_names(entries) -> dict[str, str]:
    """``user:<id>`` subject → the person's name now, for the page: audit rows keep the id, not
    the name (a name copied into them would outlive an erasure)."""
    from timebank.accounts.services import names_of  # users records to the audit log

    ids = {}
    for entry in entries:
        kind, _sep, ident = (entry.subject or "").partition(":")
        if kind == "user" and ident.isdigit() and len(ident) <= USER_ID_DIGITS:
            ids[entry.subject] = int(ident)
    names = names_of(ids.values())
    return {subject: names[user_id] for subject, user_id in ids.items() if user_id in names}


#: Digits a user number may have in the viewer's user filter; longer numbers are phones.
USER_ID_DIGITS = 9


def actions() -> list[str]:
    """Every action recorded so far, for the viewer's filter."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def search(*, user: str = "", action: str = "", first_day: date | None = None,
           last_day: date | None = None) -> Select:
    """Entries newest first. `user` is a phone number, a user id or part of a name; `action` an
    exact action or a prefix ending in a dot (``ledger.``); days are in the platform's zone."""
    from timebank.accounts.services import User, normalise_phone  # users records to the audit log

    statement = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    user = user.strip()
    if user:
        matches = [User.name.contains(user, autoescape=True)]
        if user.isdigit():
            matches.append(User.phone == normalise_phone(user))
            if len(user) <= USER_ID_DIGITS:  # a phone number is not an id (nor an int4)
                matches.append(User.id == int(user))
        statement = statement.where(AuditEntry.actor_id.in_(select(User.id).where(or_(*matches))))
    action = action.strip()
    if action.endswith("."):
        statement = statement.where(AuditEntry.action.startswith(action, autoescape=True))
    elif action:
        statement = statement.where(AuditEntry.action == action)
    if first_day:
        statement = statement.where(AuditEntry.at >= datetime.combine(first_day, time.min, zone()))
    if last_day:
        statement = statement.where(
            AuditEntry.at < datetime.combine(last_day + timedelta(days=1), time.min, zone()))
    return statement
