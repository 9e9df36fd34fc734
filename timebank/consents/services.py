"""The privacy notice (隐私政策) and the consents people give under it.

**Versions are data.** `NOTICES` lists each version of the notice: its version string, the day
it takes effect and the templates that hold its text (``consents/notice_<version>.<lang>.html``,
Chinese by default, English when the page is in English). The current version is the newest
one in effect on today's date (`current_notice`). A new version is a new entry and two new
templates; everyone who agreed to an older one is asked again at their next visit.

**Consents.** Each consent is a row (`models.Consent`): the person, the purpose, the notice
version then in force, when it was given and how (self / staff on paper / import), and when it
was withdrawn. Giving again after a withdrawal adds a row, so the history stays.

- ``privacy_notice``: agreeing to the notice. Registering records it; it is not withdrawn here
  (leaving is erasure, at 我的数据).
- Optional purposes, each withdrawable at 我的授权 (`/me/consents`): ``skills_availability``
  (the volunteer profile's skills, interests and availability, used for matching),
  ``party_membership`` and ``photos``. Features that keep such data ask `has_consent(user,
  purpose)`; they hear `timebank.signals.consent_withdrawn` (and `consent_given`) to clear or
  keep their data.

Every change is audited (``consent.give``, ``consent.withdraw``).
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.audit import services as audit
from timebank.clock import local, now
from timebank.consents.models import Consent
from timebank.errors import Conflict, InvalidInput
from timebank.extensions import db
from timebank.signals import consent_given, consent_withdrawn

PRIVACY = "privacy_notice"
SKILLS = "skills_availability"
PARTY = "party_membership"
PHOTOS = "photos"
#: The optional purposes, in the order 我的授权 shows them, with what each covers.
OPTIONAL = {
    SKILLS: (_l("Skills, interests and availability"),
             _l("What you can do, the groups and themes you care for and when you are free, "
                "used to suggest activities to you. Withdrawing clears them from your profile.")),
    PARTY: (_l("Party membership"),
            _l("Whether you are a Party member, for Party-member volunteer teams. Withdrawing "
               "clears it.")),
    PHOTOS: (_l("Photos of you"),
             _l("Photos taken at activities where you can be recognised, in the station's "
                "records and reports. Withdrawing stops new use.")),
}
PURPOSES = (PRIVACY, *OPTIONAL)
METHODS = ("self", "paper", "import")


@dataclass(frozen=True)
class Notice:
    version: str
    effective: date
    #: Which texts to show (a later version may reuse an earlier one's templates while drafting).
    template: str | None = None

    def template_names(self, lang: str) -> list[str]:
        base = f"consents/notice_{self.template or self.version}"
        return [f"{base}.{lang}.html", f"{base}.zh.html"]


#: Every version of the privacy notice, oldest first.
NOTICES: list[Notice] = [Notice("2026-12", date(2026, 12, 1))]


def _today() -> date:
    return local(now()).date()


def current_notice() -> Notice | None:
    """The newest version in effect today (None before the first takes effect)."""
    today = _today()
    effective = [notice for notice in NOTICES if notice.effective <= today]
    return max(effective, key=lambda notice: notice.effective) if effective else None


def notice(version: str) -> Notice | None:
    return next((item for item in NOTICES if item.version == version), None)


def current_version() -> str | None:
    found = current_notice()
    return found.version if found else None


# --- reading ------------------------------------------------------------------------------------

def _live(user_id: int, purpose: str):
    return select(Consent).where(Consent.user_id == user_id, Consent.purpose == purpose,
                                 Consent.withdrawn_at.is_(None))


def live_consent(user, purpose: str) -> Consent | None:
    return db.session.scalar(_live(user.id, purpose).order_by(Consent.given_at.desc(),
                                                               Consent.id.desc()).limit(1))


def has_consent(user, purpose: str) -> bool:
    """Whether `user` has given `purpose` and not withdrawn it (for the features that keep
    optional data: skills and availability, party membership, photos)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    return user is not None and getattr(user, "id", None) is not None \
        and live_consent(user, purpose) is not None


def agreed_version(user) -> str | None:
    """The latest version of the privacy notice `user` agreed to, or None."""
    row = live_consent(user, PRIVACY)
    return row.notice_version if row else None


def privacy_consent_needed(user) -> bool:
    """Whether `user` has not agreed to the current notice (asked at the next visit)."""
    current = current_notice()
    if current is None:
        return False
    agreed = notice(agreed_version(user) or "")
    return agreed is None or agreed.effective < current.effective


def consents_of(user) -> list[Consent]:
    """Every consent `user` gave, newest first."""
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user.id)
                                   .order_by(Consent.given_at.desc(), Consent.id.desc())))


def overview(user) -> list[dict]:
    """The optional purposes as 我的授权 shows them: label, what it covers, the live consent."""
    return [{"purpose": purpose, "label": label, "about": about,
             "consent": live_consent(user, purpose)}
            for purpose, (label, about) in OPTIONAL.items()]


# --- changing -----------------------------------------------------------------------------------

def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(fields={"purpose": [_("Choose one of the purposes listed.")]})


def agree_to_notice(user, version: str | None = None, *, method: str = "self", by=None
                    ) -> Consent:
    """`user` agrees to the privacy notice `version` (the current one when None); 422 for any
    version but the current one."""
    current = current_version()
    version = version or current
    if current is None or version != current:
        raise InvalidInput(fields={"version": [_(
            "Agree to the current privacy notice (version %(version)s).",
            version=current or "-")]}, code="stale_notice_version")
    existing = live_consent(user, PRIVACY)
    if existing is not None and existing.notice_version == version:
        return existing
    return _give(user, PRIVACY, version, method, by)


def _give(user, purpose: str, version: str, method: str, by) -> Consent:
    row = Consent(user_id=user.id, purpose=purpose, notice_version=version, given_at=now(),
                  method=method, recorded_by_id=by.id if by is not None and by.id != user.id
                  else None)
    db.session.add(row)
    db.session.flush()
    audit.record("consent.give", f"user:{user.id}", actor=by or user, purpose=purpose,
                 version=version, method=method)
    consent_given.send(user, purpose=purpose)
    return row


def give(user, purpose: str, *, method: str = "self", by=None) -> Consent:
    """`user` gives an optional consent (kept as is when already given)."""
    _check_purpose(purpose)
    if purpose == PRIVACY:
        return agree_to_notice(user, method=method, by=by)
    existing = live_consent(user, purpose)
    if existing is not None:
        return existing
    return _give(user, purpose, current_version() or NOTICES[0].version, method, by)


def withdraw(user, purpose: str, *, by=None) -> Consent | None:
    """`user` withdraws an optional consent; the features holding its data clear it
    (`consent_withdrawn`). Withdrawing what was not given changes nothing."""
    _check_purpose(purpose)
    if purpose == PRIVACY:
        raise Conflict(_("Agreement to the privacy notice is not withdrawn here: to stop using "
                         "the time bank and have your data erased, go to My data."),
                       code="privacy_not_withdrawable")
    moment = now()
    rows = list(db.session.scalars(_live(user.id, purpose)))
    if not rows:
        return None
    for row in rows:
        row.withdrawn_at = moment
    db.session.flush()
    audit.record("consent.withdraw", f"user:{user.id}", actor=by or user, purpose=purpose)
    consent_withdrawn.send(user, purpose=purpose)
    return rows[0]
