"""Roles and the one check every protected route uses.

Staff roles are nested: a district administrator can do what a station manager can, and a
station manager what a social worker can. Residents and merchants stand apart.
"""

from enum import StrEnum
from functools import wraps

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(StrEnum):
    RESIDENT = "resident"
    SOCIAL_WORKER = "social_worker"
    STATION_MANAGER = "station_manager"
    DISTRICT_ADMIN = "district_admin"
    MERCHANT = "merchant"
    #: The time bank's operations centre (时间银行运营中心): grants pool hours to people in
    #: difficulty across the district, under its monthly budget; staff of no station.
    GRANT_OFFICER = "grant_officer"
    #: The reviewers of the district's four-party evaluation (#19), staff of no station: the
    #: third-party evaluator (第三方评估机构), the town (镇街) and the village or residents'
    #: committee (村(居)委会). The fourth party, the civil-affairs bureau, is the district
    #: administrator. Each sees only the stations assigned to them, figures and evidence only.
    EVALUATOR = "evaluator"
    TOWN_REVIEWER = "town_reviewer"
    COMMITTEE_REVIEWER = "committee_reviewer"


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.SOCIAL_WORKER: _l("Social worker"),
    Role.STATION_MANAGER: _l("Station manager"),
    Role.DISTRICT_ADMIN: _l("District administrator"),
    Role.MERCHANT: _l("Partner merchant"),
    Role.GRANT_OFFICER: _l("Time bank operations centre"),
    Role.EVALUATOR: _l("Third-party evaluator"),
    Role.TOWN_REVIEWER: _l("Town reviewer"),
    Role.COMMITTEE_REVIEWER: _l("Village or residents' committee reviewer"),
}

#: Which roles a role includes besides itself.
_INCLUDES = {
    Role.STATION_MANAGER: {Role.SOCIAL_WORKER},
    Role.DISTRICT_ADMIN: {Role.STATION_MANAGER, Role.SOCIAL_WORKER},
}

STAFF_ROLES = (Role.SOCIAL_WORKER, Role.STATION_MANAGER, Role.DISTRICT_ADMIN)
#: The roles the staff administration gives: the stations' staff and the district's operations
#: centre (which works for no station).
ADMINISTERED_ROLES = (*STAFF_ROLES, Role.GRANT_OFFICER)
#: The evaluation's reviewers, given on the district's evaluation pages with their stations.
REVIEWER_ROLES = (Role.EVALUATOR, Role.TOWN_REVIEWER, Role.COMMITTEE_REVIEWER)


def effective_roles(user) -> set[Role]:
    held = {Role(name) for name in user.role_names}
    for role in list(held):
        held |= _INCLUDES.get(role, set())
    return held


def has_role(user, role: Role | str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Role(role) in effective_roles(user)


def is_staff(user) -> bool:
    return has_role(user, Role.SOCIAL_WORKER)


def role_required(*roles: Role | str):
    """Let the view run only for a logged-in user holding one of `roles` (or any role if none).

    Anonymous visitors get the login manager's answer (a redirect for pages, 401 JSON for the
    API); logged-in users without the role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if roles and not any(has_role(current_user, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = tuple(Role(role) for role in roles)
        return wrapped

    return decorator


login_required = role_required()
