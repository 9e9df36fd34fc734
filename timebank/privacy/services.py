"""Minimum necessary (最小必要): the one rule for who sees a person's full phone number and
resident ID number (居民身份证号), used by pages, the API, exports and PDFs alike.

Rules kept here:

* Masked for everyone except the person themself: ``138****0001``, ``4401**********0143``.
* One exception for phones: the accounts a viewer administers. A district administrator sees
  the work phones of every staff and merchant account in full, a station manager those of the
  staff posted at their station and of the merchants registered there (they create those
  accounts and hand them over). Residents' phones have no such exception.
* A full value is otherwise shown only by a reveal (`reveal`): a deliberate act of a staff member
  of the person's own station, or of a district administrator (`may_reveal`, the same test as
  acting on the person's hours: `timebank.org.services.staff_may_act_on`). Every reveal is
  audited (``privacy.reveal``: who, whose, which field), and so is every refused attempt
  (``privacy.reveal_refused``).
* Searching by a full phone number still finds the person (the search reads the column); only
  what is shown is masked.

ID numbers live on the volunteer profile, which the coordination layer keeps: it installs a
finder as ``app.extensions[ID_NUMBER_FINDER]`` (as it does for `timebank.org.services.home_of`).
"""

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.accounts.services import mask_phone
from timebank.audit import services as audit
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org

#: The fields a reveal may ask for.
FIELDS = ("phone", "id_number")
#: Where the finder of a person's ID number is kept (`id_number_of`).
ID_NUMBER_FINDER = "timebank.id_number_of"
#: Roles whose accounts are administered (created, moved, deactivated) by managers.
ADMINISTERED_ROLES = (Role.SOCIAL_WORKER, Role.MERCHANT)


class RevealRefused(PermissionDenied):
    """A reveal the viewer may not make; its audit row is committed by the edge all the same."""

    code = "reveal_refused"


def mask_id_number(id_number: str | None) -> str:
    """``440115199001010143`` → ``4401**********0143``; nothing for no number."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def _signed_in(viewer) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False)


def is_self(viewer, person) -> bool:
    return _signed_in(viewer) and person is not None and viewer.id == person.id


def may_see_identity(viewer, person) -> bool:
    """Whether `viewer` sees `person`'s phone and ID number unmasked without a reveal: only
    the person themself."""
    return is_self(viewer, person)


def _station_of_account(person) -> int | None:
    station_id = org.station_id_of(person)
    if station_id is None and has_role(person, Role.MERCHANT):
        from timebank.exchange.merchants.models import MerchantProfile  # the core's own model

        profile = db.session.get(MerchantProfile, person.id)
        station_id = profile.station_id if profile is not None else None
    return station_id


def administers_account(viewer, person) -> bool:
    """Whether `viewer` administers `person`'s staff or merchant account: a district
    administrator every one, a station manager those of their station."""
    if not _signed_in(viewer) or person is None:
        return False
    if not any(has_role(person, role) for role in ADMINISTERED_ROLES):
        return False
    if has_role(viewer, Role.DISTRICT_ADMIN):
        return True
    if not has_role(viewer, Role.STATION_MANAGER) or has_role(person, Role.DISTRICT_ADMIN):
        return False
    own = org.station_id_of(viewer)
    return own is not None and own == _station_of_account(person)


def _station_of_person(person) -> int | None:
    """`org.station_of`, without asking for the post of someone who holds no staff role (the
    lists call this once a row)."""
    if is_staff(person):
        return org.station_id_of(person)
    community = org.home_community(person)
    return community.station.id if community is not None and community.station else None


def may_reveal(viewer, person) -> bool:
    """Whether `viewer` may reveal `person`'s full phone or ID number: staff of the person's own
    station and district administrators (the same test as `org.staff_may_act_on`; the person
    themself sees them anyway)."""
    if person is None or is_self(viewer, person) or not is_staff(viewer):
        return False
    if has_role(viewer, Role.DISTRICT_ADMIN):
        return True
    own = org.station_id_of(viewer)
    return own is not None and own == _station_of_person(person)


def shown_phone(viewer, person) -> str:
    """`person`'s phone as `viewer` may see it on any page, answer or file."""
    if person is None or not person.phone:
        return ""
    if is_self(viewer, person) or administers_account(viewer, person):
        return person.phone
    return mask_phone(person.phone)


def shown_id_number(viewer, person, id_number: str | None) -> str:
    """`person`'s ID number (`id_number`, as held) as `viewer` may see it."""
    if not id_number:
        return ""
    return id_number if may_see_identity(viewer, person) else mask_id_number(id_number)


def id_number_of(person) -> str | None:
    """The ID number held for `person` (on their volunteer profile), or None."""
    finder = current_app.extensions.get(ID_NUMBER_FINDER)
    return finder(person) if finder is not None and person is not None else None


def reveal(viewer, person: User, field: str, *, reason: str | None = None) -> str:
    """`person`'s full `field` (``phone`` or ``id_number``) for `viewer`, audited; `RevealRefused`
    (audited too: the edge commits the refusal's row) unless `may_reveal` or it is their own."""
    if field not in FIELDS:
        raise InvalidInput(fields={"field": [_("Choose the phone or the ID number.")]})
    subject = f"user:{person.id}"
    reason = (reason or "").strip() or None
    if not (is_self(viewer, person) or may_reveal(viewer, person)):
        audit.record("privacy.reveal_refused", subject, actor=viewer, reason=reason, field=field,
                     user_id=person.id)
        raise RevealRefused(_("Only staff of this person's station can see their full %(what)s.",
                              what=field_label(field)))
    audit.record("privacy.reveal", subject, actor=viewer, reason=reason, field=field,
                 user_id=person.id)
    db.session.flush()
    return (person.phone if field == "phone" else id_number_of(person)) or ""


def field_label(field: str) -> str:
    return _("mobile number") if field == "phone" else _("ID number")


# --- for templates: the viewer is the logged-in user --------------------------------------------

def shown_phone_for_viewer(person) -> str:
    return shown_phone(current_user, person)


def shown_id_number_for_viewer(person, id_number: str | None) -> str:
    return shown_id_number(current_user, person, id_number)


def may_reveal_for_viewer(person) -> bool:
    return may_reveal(current_user, person)
