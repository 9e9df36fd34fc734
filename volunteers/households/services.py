"""The register of served households, neighbour pairings and visit coverage: the rules.

* **Who sees the register**: the station's staff (social workers and the manager) see their own
  station's households in full; district administrators see every station's. Residents and
  volunteers asking for the register get 403 (`require_register`); a volunteer asking for one
  household gets 404 unless they have a live pairing with it, and then only a limited view
  (`PairedView`: the called name, community, the pairing's needs, rhythm and next contact).
  Staff of another station get 403.
* **Registering** (`create_household`, `update_household`): categories from `CATEGORIES`, at
  least one; the community in the station's town; the social worker on the station's staff;
  a visit every 1–366 days; a valid resident ID number if any; a lawful basis from
  `LAWFUL_BASES`, and the moment consent was recorded when the basis is consent. The first
  visit is due ``visit_every_days`` after registration unless staff choose a day.
* **Pairing** (`pair`, `end_pairing`): a volunteer (a user with a volunteer profile, of any
  community) with a rhythm and needs; the first contact is due one rhythm after the start. A
  pairing ends with a reason; closing a household ends its live pairings.
* **Due and overdue** (`due_for_team`): households whose next visit is due today or earlier and
  pairings whose next contact is, per grid team (the team covering the household's community).
* **Coverage** (`coverage`): per community, the share of open registered households with at
  least one visit recorded or approved whose day falls in the calendar quarter (local dates),
  and the overdue ones. The one rule the pages, the API, the dashboards and the exports use.

Every staff action is audited. Services flush and never commit.
"""

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import day_start, local, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Community, GridTeam, Station, grid_team_communities
from timebank.privacy.services import mask_id_number
from volunteers.households.models import (
    CATEGORIES,
    LAWFUL_BASES,
    NEEDS,
    RHYTHM_DAYS,
    RISK_LABELS,
    Household,
    HouseholdMember,
    Pairing,
    PairingRhythm,
    RiskLevel,
)
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.services import valid_id_number
from volunteers.visits.models import Visit, VisitStatus

#: Visits that count as made (a social worker's record, or a volunteer's once approved).
COUNTED_VISITS = (VisitStatus.RECORDED, VisitStatus.APPROVED)
REASON_MAX = 200
#: Fields staff may set on a household.
FIELDS = ("community_id", "name", "called", "address", "phone", "id_number", "categories",
          "needs", "needs_note", "risk_level", "social_worker_id", "visit_every_days",
          "next_visit_due", "lawful_basis", "consent_recorded_at", "consent_note", "notes")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


# --- time ---------------------------------------------------------------------------------------

def today() -> date:
    """Today in the platform's zone (Asia/Shanghai)."""
    return local(now()).date()


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + 1, 1, 1) if self.number == 4 \
            else date(self.year, 3 * self.number + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def this_quarter() -> Quarter:
    return quarter_of(today())


def parse_quarter(text: str | None) -> Quarter:
    """``2026Q4`` → the quarter; empty → this quarter; anything else is invalid input."""
    if not text:
        return this_quarter()
    found = QUARTER.match(text.strip().upper())
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput(fields={"quarter": [_("Write the quarter as 2026Q4.")]})
    return Quarter(int(found.group(1)), int(found.group(2)))


# --- who sees what ------------------------------------------------------------------------------

def is_station_staff(user, station_id: int | None) -> bool:
    return org.can_manage_station(user, station_id)


def require_register(viewer, station_id: int | None) -> None:
    """The register of `station_id` is for its staff and district administrators: 403 else."""
    if not is_station_staff(viewer, station_id):
        raise PermissionDenied(_("Only the station's staff can see the register of households."))


def _no_household() -> NotFound:
    return NotFound(_("There is no such household."), code="household_not_found")


def get_household(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise _no_household()
    return household


def station_household(viewer, household_id: int) -> Household:
    """A household for the staff of its station: 404 if there is none, 403 for anyone else."""
    household = get_household(household_id)
    require_register(viewer, household.station_id)
    return household


@dataclass
class PairedView:
    """What a paired volunteer sees of a household: never its name, address, phone or ID."""

    id: int
    shown_name: str
    community: str
    community_id: int
    needs: list = field(default_factory=list)
    rhythm: str = ""
    next_contact_due: date | None = None
    pairing_id: int | None = None


def paired_view(pairing: Pairing) -> PairedView:
    household = pairing.household
    return PairedView(id=household.id, shown_name=household.shown_name,
                      community=household.community.name, community_id=household.community_id,
                      needs=list(pairing.needs or []), rhythm=pairing.rhythm,
                      next_contact_due=pairing.next_contact_due, pairing_id=pairing.id)


def live_pairing(household_id: int, volunteer_id: int) -> Pairing | None:
    return db.session.scalar(select(Pairing).where(
        Pairing.household_id == household_id, Pairing.volunteer_id == volunteer_id,
        Pairing.ended_at.is_(None)))


def get_for(viewer, household_id: int) -> Household | PairedView:
    """The household as `viewer` may see it: in full for the station's staff (district
    administrators anywhere), 403 for another station's staff; a volunteer with a live pairing
    gets the `PairedView`, anyone else 404 (as for a household that does not exist)."""
    household = db.session.get(Household, household_id)
    if has_role(viewer, Role.SOCIAL_WORKER):
        if household is None:
            raise _no_household()
        require_register(viewer, household.station_id)
        return household
    pairing = live_pairing(household_id, viewer.id) if household is not None else None
    if pairing is None:
        raise _no_household()
    return paired_view(pairing)


def my_pairings(volunteer) -> list[PairedView]:
    """A volunteer's live pairings, the next contact due first."""
    pairings = db.session.scalars(
        select(Pairing).where(Pairing.volunteer_id == volunteer.id, Pairing.ended_at.is_(None))
        .options(selectinload(Pairing.household).selectinload(Household.community))
        .order_by(Pairing.next_contact_due, Pairing.id))
    return [paired_view(pairing) for pairing in pairings]


# --- the register -------------------------------------------------------------------------------

def register_statement(station_id: int | None, *, community_id: int | None = None,
                       category: str | None = None, risk: str | None = None,
                       overdue: bool = False, closed: bool = False):
    """The station's households (every station's for None), by community and name."""
    statement = select(Household).options(selectinload(Household.community))
    if station_id is not None:
        statement = statement.where(Household.station_id == station_id)
    statement = statement.where(Household.closed_at.is_not(None) if closed
                                else Household.closed_at.is_(None))
    if community_id is not None:
        statement = statement.where(Household.community_id == community_id)
    if risk:
        statement = statement.where(Household.risk_level == risk)
    if overdue:
        statement = statement.where(Household.next_visit_due <= today())
    if category:
        # JSON lists differ between databases: filter the few hundred rows in Python.
        ids = [row.id for row in db.session.execute(
            select(Household.id, Household.categories).where(
                Household.id.in_(statement.with_only_columns(Household.id)))).all()
            if category in (row.categories or [])]
        statement = statement.where(Household.id.in_(ids or [0]))
    return statement.order_by(Household.community_id, Household.name, Household.id)


def _error(name: str, message: str) -> InvalidInput:
    return InvalidInput(fields={name: [message]})


def _check(station: Station, data: dict, household: Household | None = None) -> dict:
    """The fields of `data` checked and tidied; 422 naming the first wrong field."""
    clean = {}
    for name in FIELDS:
        if name in data:
            value = data[name]
            clean[name] = value.strip() if isinstance(value, str) else value
    merged = {name: getattr(household, name) for name in FIELDS} if household else {}
    merged.update(clean)
    if not merged.get("name"):
        raise _error("name", _("Write the name of the person served."))
    if not merged.get("community_id"):
        raise _error("community_id", _("Choose the community."))
    community = db.session.get(Community, merged["community_id"])
    if community is None or community.town_id != station.town_id:
        raise _error("community_id", _("Choose a community of the station's town."))
    categories = list(dict.fromkeys(merged.get("categories") or []))
    if not categories:
        raise _error("categories", _("Choose at least one category."))
    if any(code not in CATEGORIES for code in categories):
        raise _error("categories", _("Choose categories from the list."))
    if "categories" in clean:
        clean["categories"] = categories
    needs = list(dict.fromkeys(merged.get("needs") or []))
    if any(code not in NEEDS for code in needs):
        raise _error("needs", _("Choose needs from the list."))
    if "needs" in clean:
        clean["needs"] = needs
    if merged.get("risk_level", RiskLevel.LOW) not in {level.value for level in RiskLevel}:
        raise _error("risk_level", _("Choose a risk level from the list."))
    worker_id = merged.get("social_worker_id")
    if worker_id is not None:
        worker = db.session.get(User, worker_id)
        if worker is None or not worker.is_active or not has_role(worker, Role.SOCIAL_WORKER) \
                or org.station_id_of(worker) != station.id:
            raise _error("social_worker_id", _("Choose a social worker of this station."))
    every = merged.get("visit_every_days", 30)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 366:
        raise _error("visit_every_days", _("Enter a number of days from 1 to 366."))
    id_number = merged.get("id_number")
    if id_number:
        id_number = id_number.replace(" ", "").upper()
        if not valid_id_number(id_number):
            raise _error("id_number",
                         _("This is not a valid 18-character resident ID number."))
        if "id_number" in clean:
            clean["id_number"] = id_number
    elif "id_number" in clean:
        clean["id_number"] = None
    basis = merged.get("lawful_basis") or "consent"
    if basis not in LAWFUL_BASES:
        raise _error("lawful_basis", _("Choose a lawful basis from the list."))
    if basis == "consent" and merged.get("consent_recorded_at") is None:
        raise _error("consent_recorded_at",
                     _("Record when the person or their guardian consented."))
    for name, limit in (("name", 40), ("called", 20), ("address", 200), ("phone", 20),
                        ("needs_note", 500), ("consent_note", 200)):
        if len(merged.get(name) or "") > limit:
            raise _error(name, _("At most %(num)d characters.", num=limit))
    return clean


def _plain(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def create_household(station: Station, data: dict, *, by) -> Household:
    """Put a household on `station`'s register (its staff or a district administrator)."""
    require_register(by, station.id)
    clean = _check(station, data)
    household = Household(station_id=station.id, created_by_id=by.id, **{
        "risk_level": RiskLevel.LOW, "visit_every_days": 30, "lawful_basis": "consent",
        **{name: value for name, value in clean.items() if value is not None or name in (
            "id_number", "social_worker_id", "next_visit_due", "consent_recorded_at")}})
    for name in ("called", "address", "phone", "needs_note", "consent_note", "notes"):
        if getattr(household, name) is None:
            setattr(household, name, "")
    if household.next_visit_due is None:
        household.next_visit_due = today() + timedelta(days=household.visit_every_days)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", f"household:{household.id}", actor=by,
                 station_id=station.id, community_id=household.community_id,
                 categories=household.categories, lawful_basis=household.lawful_basis)
    return household


def update_household(household: Household, changes: dict, *, by) -> Household:
    """Change a household's file; the audit row names the fields changed (not their values:
    they are personal data)."""
    require_register(by, household.station_id)
    if not household.is_open:
        raise Conflict(_("This household is off the register."), code="household_closed")
    clean = _check(household.station, changes, household)
    if "next_visit_due" in clean and clean["next_visit_due"] is None:
        del clean["next_visit_due"]  # left empty: the day due stays (visits move it on)
    changed = []
    for name, value in clean.items():
        if name in ("called", "address", "phone", "needs_note", "consent_note", "notes") \
                and value is None:
            value = ""
        if getattr(household, name) != value:
            setattr(household, name, value)
            changed.append(name)
    if "visit_every_days" in changed and "next_visit_due" not in clean:
        start = household.last_visited_on or local(household.created_at).date()
        household.next_visit_due = start + timedelta(days=household.visit_every_days)
    db.session.flush()
    audit.record("household.update", f"household:{household.id}", actor=by,
                 station_id=household.station_id, fields=sorted(changed))
    return household


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", _("Write the reason."))
    if len(reason) > REASON_MAX:
        raise _error("reason", _("At most %(num)d characters.", num=REASON_MAX))
    return reason


def close_household(household: Household, reason: str | None, *, by) -> Household:
    """Take a household off the register with a reason; its live pairings end with it."""
    require_register(by, household.station_id)
    reason = _reason(reason)
    if not household.is_open:
        raise Conflict(_("This household is already off the register."),
                       code="household_closed")
    household.closed_at, household.closed_reason = now(), reason
    for pairing in live_pairings(household):
        _end(pairing, reason, by)
    db.session.flush()
    audit.record("household.close", f"household:{household.id}", actor=by, reason=reason,
                 station_id=household.station_id)
    return household


def add_member(household: Household, data: dict, *, by) -> HouseholdMember:
    require_register(by, household.station_id)
    name = (data.get("name") or "").strip()
    if not name or len(name) > 40:
        raise _error("name", _("Write the member's name (at most 40 characters)."))
    id_number = (data.get("id_number") or "").replace(" ", "").upper() or None
    if id_number and not valid_id_number(id_number):
        raise _error("id_number", _("This is not a valid 18-character resident ID number."))
    categories = list(dict.fromkeys(data.get("categories") or []))
    if any(code not in CATEGORIES for code in categories):
        raise _error("categories", _("Choose categories from the list."))
    birth_year = data.get("birth_year")
    if birth_year is not None and not 1900 <= birth_year <= today().year:
        raise _error("birth_year", _("Enter a year of birth from 1900 to this year."))
    member = HouseholdMember(name=name, relation=(data.get("relation") or "").strip()[:20],
                             birth_year=birth_year, id_number=id_number, categories=categories,
                             note=(data.get("note") or "").strip()[:200])
    household.members.append(member)
    db.session.flush()
    audit.record("household.update", f"household:{household.id}", actor=by,
                 station_id=household.station_id, member_added=member.id)
    return member


def remove_member(household: Household, member_id: int, *, by) -> None:
    require_register(by, household.station_id)
    member = db.session.get(HouseholdMember, member_id)
    if member is None or member.household_id != household.id:
        raise NotFound(_("There is no such member."), code="member_not_found")
    household.members.remove(member)
    db.session.flush()
    audit.record("household.update", f"household:{household.id}", actor=by,
                 station_id=household.station_id, member_removed=member_id)


# --- pairings -----------------------------------------------------------------------------------

def live_pairings(household: Household) -> list[Pairing]:
    return list(db.session.scalars(select(Pairing).where(
        Pairing.household_id == household.id, Pairing.ended_at.is_(None)).order_by(Pairing.id)))


def pairings_of(household: Household) -> list[Pairing]:
    """Every pairing of the household, live ones first."""
    return list(db.session.scalars(
        select(Pairing).where(Pairing.household_id == household.id)
        .order_by(Pairing.ended_at.is_not(None), Pairing.started_on.desc(), Pairing.id.desc())))


def get_pairing(pairing_id: int) -> Pairing:
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound(_("There is no such pairing."), code="pairing_not_found")
    return pairing


def station_pairing(viewer, pairing_id: int) -> Pairing:
    pairing = get_pairing(pairing_id)
    require_register(viewer, pairing.household.station_id)
    return pairing


def pair(household: Household, *, volunteer_id: int, rhythm: str, needs: list | None = None,
         next_contact_due: date | None = None, by) -> Pairing:
    """Pair a volunteer with the household; the first contact is due one rhythm on."""
    require_register(by, household.station_id)
    if not household.is_open:
        raise Conflict(_("This household is off the register."), code="household_closed")
    volunteer = db.session.get(User, volunteer_id) if volunteer_id else None
    if volunteer is None or not volunteer.is_active \
            or db.session.get(VolunteerProfile, volunteer.id) is None:
        raise _error("volunteer_id", _("Choose a registered volunteer."))
    if rhythm not in {value.value for value in PairingRhythm}:
        raise _error("rhythm", _("Choose a rhythm from the list."))
    needs = list(dict.fromkeys(needs or []))
    if any(code not in NEEDS for code in needs):
        raise _error("needs", _("Choose needs from the list."))
    if live_pairing(household.id, volunteer.id) is not None:
        raise Conflict(_("This volunteer is already paired with this household."),
                       code="pairing_live")
    start = today()
    pairing = Pairing(household_id=household.id, volunteer_id=volunteer.id, rhythm=rhythm,
                      needs=needs, started_on=start, started_by_id=by.id,
                      next_contact_due=next_contact_due or start + timedelta(
                          days=RHYTHM_DAYS[PairingRhythm(rhythm)]))
    try:
        with db.session.begin_nested():
            db.session.add(pairing)
    except IntegrityError:
        raise Conflict(_("This volunteer is already paired with this household."),
                       code="pairing_live") from None
    audit.record("pairing.start", f"pairing:{pairing.id}", actor=by,
                 household_id=household.id, volunteer_id=volunteer.id, rhythm=rhythm,
                 station_id=household.station_id)
    return pairing


def _end(pairing: Pairing, reason: str, by) -> None:
    pairing.ended_at, pairing.ended_by_id, pairing.end_reason = now(), by.id, reason
    audit.record("pairing.end", f"pairing:{pairing.id}", actor=by, reason=reason,
                 household_id=pairing.household_id, volunteer_id=pairing.volunteer_id)


def end_pairing(pairing: Pairing, reason: str | None, *, by) -> Pairing:
    require_register(by, pairing.household.station_id)
    reason = _reason(reason)
    if not pairing.is_live:
        raise Conflict(_("This pairing has already ended."), code="pairing_ended")
    _end(pairing, reason, by)
    db.session.flush()
    return pairing


def volunteers_to_pair(station_id: int) -> list[User]:
    """Volunteers to choose from: active users with a volunteer profile, the station's own
    communities first (a volunteer of any community may be paired)."""
    station = db.session.get(Station, station_id)
    rows = db.session.execute(
        select(User, Community.town_id).join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .outerjoin(Community, Community.id == VolunteerProfile.community_id)
        .where(User.active.is_(True), User.erased_at.is_(None)).order_by(User.name, User.id).limit(500)).all()
    return [user for user, town_id in sorted(
        rows, key=lambda row: row[1] != station.town_id)]


def visits_of(household: Household, limit: int = 50) -> list:
    """The household's visits, latest first (recorded by the visits feature)."""
    return list(db.session.scalars(select(Visit).where(Visit.household_id == household.id)
                                   .order_by(Visit.visited_on.desc(), Visit.id.desc())
                                   .limit(limit)))


# --- due and overdue ----------------------------------------------------------------------------

def team_community_ids(team: GridTeam) -> list[int]:
    return list(db.session.scalars(select(grid_team_communities.c.community_id).where(
        grid_team_communities.c.grid_team_id == team.id)))


@dataclass
class Due:
    team: GridTeam
    households: list
    pairings: list
    today: date


def due_for_team(viewer, grid_team_id: int) -> Due:
    """Households of the team's communities whose next visit is due, and their live pairings
    whose next contact is due, today or earlier (oldest first)."""
    team = org.get_grid_team(grid_team_id)
    require_register(viewer, team.station_id)
    ids = team_community_ids(team) or [0]
    day = today()
    households = list(db.session.scalars(
        select(Household).where(Household.station_id == team.station_id,
                                Household.community_id.in_(ids),
                                Household.closed_at.is_(None), Household.next_visit_due <= day)
        .order_by(Household.next_visit_due, Household.id)))
    pairings = list(db.session.scalars(
        select(Pairing).join(Pairing.household)
        .where(Household.station_id == team.station_id, Household.community_id.in_(ids),
               Household.closed_at.is_(None), Pairing.ended_at.is_(None),
               Pairing.next_contact_due <= day)
        .order_by(Pairing.next_contact_due, Pairing.id)))
    return Due(team, households, pairings, day)


def teams_of(station_id: int) -> list[GridTeam]:
    return list(db.session.scalars(select(GridTeam).where(GridTeam.station_id == station_id)
                                   .order_by(GridTeam.name, GridTeam.id)))


# --- coverage -----------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    """One community (or grid team, or total) in a quarter."""

    label: str
    station: str
    registered: int = 0
    visited: int = 0
    overdue: list = field(default_factory=list)
    community_id: int | None = None
    grid_team_id: int | None = None

    @property
    def share(self) -> float | None:
        return round(100 * self.visited / self.registered, 1) if self.registered else None


@dataclass
class Coverage:
    quarter: Quarter
    station_id: int | None
    communities: list
    teams: list
    total: CoverageRow


def registered_in(quarter: Quarter, station_id: int | None):
    """Households on the register during the quarter: registered before it ended and not
    taken off before it began."""
    statement = select(Household).where(
        Household.created_at < day_start(quarter.next_first_day),
        (Household.closed_at.is_(None)) | (Household.closed_at >= day_start(quarter.first_day)))
    if station_id is not None:
        statement = statement.where(Household.station_id == station_id)
    return statement


def visited_ids(quarter: Quarter, household_ids) -> set[int]:
    """The households with at least one visit recorded or approved on a day of the quarter."""
    if not household_ids:
        return set()
    return set(db.session.scalars(select(Visit.household_id).distinct().where(
        Visit.household_id.in_(household_ids),
        Visit.status.in_([status.value for status in COUNTED_VISITS]),
        Visit.visited_on >= quarter.first_day, Visit.visited_on <= quarter.last_day)))


def coverage(station_id: int | None, quarter: Quarter | None = None) -> Coverage:
    """Per community and grid team of the station (every station for None): households on the
    register in the quarter, those visited in it, and the open ones overdue today."""
    quarter = quarter or this_quarter()
    households = list(db.session.scalars(registered_in(quarter, station_id).options(
        selectinload(Household.community), selectinload(Household.station))
        .order_by(Household.station_id, Household.community_id, Household.id)))
    visited = visited_ids(quarter, [household.id for household in households])
    day = today()
    rows: dict[int, CoverageRow] = {}
    total = CoverageRow(_("Total"), "")
    for household in households:
        row = rows.setdefault(household.community_id, CoverageRow(
            household.community.name, household.station.name,
            community_id=household.community_id))
        for target in (row, total):
            target.registered += 1
            target.visited += household.id in visited
            if household.is_open and household.next_visit_due is not None \
                    and household.next_visit_due <= day:
                target.overdue.append(household)
    stations = [station_id] if station_id is not None else sorted(
        {household.station_id for household in households})
    teams = []
    for each in stations:
        for team in teams_of(each):
            row = CoverageRow(team.name, team.station.name, grid_team_id=team.id)
            for community_id in team_community_ids(team):
                part = rows.get(community_id)
                if part is not None:
                    row.registered += part.registered
                    row.visited += part.visited
                    row.overdue += part.overdue
            teams.append(row)
    return Coverage(quarter, station_id, list(rows.values()), teams, total)


# --- export -------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("Household number", "Name", "Called", "Community", "Address", "Phone",
                  "ID number (masked)", "Categories", "Needs", "Risk level", "Social worker",
                  "Visit every (days)", "Last visited on", "Next visit due", "Lawful basis",
                  "Live pairings", "Visited this quarter")


def export_households(viewer, station_id: int | None):
    """The register as an Excel workbook (a file, rewound), ID numbers masked; audited.
    Staff of the station only (district administrators: any station, or all)."""
    from openpyxl import Workbook

    if station_id is None and not has_role(viewer, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only the station's staff can see the register of households."))
    if station_id is not None:
        require_register(viewer, station_id)
    quarter = this_quarter()
    households = list(db.session.scalars(register_statement(station_id).options(
        selectinload(Household.social_worker))))
    visited = visited_ids(quarter, [household.id for household in households])
    live = dict(db.session.execute(
        select(Pairing.household_id, func.count(Pairing.id)).where(Pairing.ended_at.is_(None))
        .group_by(Pairing.household_id)).all())
    labels = {
        "Household number": _("Household number"), "Name": _("Name"),
        "Called": _("Called"), "Community": _("Community"), "Address": _("Address"),
        "Phone": _("Phone"), "ID number (masked)": _("ID number (masked)"),
        "Categories": _("Categories"), "Needs": _("Needs"), "Risk level": _("Risk level"),
        "Social worker": _("Social worker"), "Visit every (days)": _("Visit every (days)"),
        "Last visited on": _("Last visited on"), "Next visit due": _("Next visit due"),
        "Lawful basis": _("Lawful basis"), "Live pairings": _("Live pairings"),
        "Visited this quarter": _("Visited this quarter")}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Households"))[:31])
    sheet.append([labels[name] for name in EXPORT_COLUMNS])
    for household in households:
        row = [household.id, household.name, household.called, household.community.name,
               household.address, household.phone, mask_id_number(household.id_number),
               "、".join(str(CATEGORIES.get(code, code)) for code in household.categories or []),
               "、".join(str(NEEDS.get(code, code)) for code in household.needs or []),
               str(RISK_LABELS.get(RiskLevel(household.risk_level), household.risk_level)),
               household.social_worker.name if household.social_worker else "",
               household.visit_every_days, household.last_visited_on, household.next_visit_due,
               str(LAWFUL_BASES.get(household.lawful_basis, household.lawful_basis)),
               live.get(household.id, 0),
               str(_("Yes")) if household.id in visited else str(_("No"))]
        sheet.append([f"'{value}" if isinstance(value, str) and value[:1] in "=+-@" else value
                      for value in row])
    handle = tempfile.TemporaryFile(prefix="households-", suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    audit.record("household.export", f"station:{station_id}" if station_id else "district",
                 actor=viewer, station_id=station_id, rows=len(households))
    return handle


def coverage_rows(station_id: int | None, quarter: Quarter | None = None):
    """The coverage as rows for the reports' exports: station, community, quarter, households,
    visited, share (%), overdue."""
    figures = coverage(station_id, quarter)
    for row in figures.communities:
        yield (row.station, row.label, str(figures.quarter), row.registered, row.visited,
               row.share, len(row.overdue))
    yield (str(_("Total")), "", str(figures.quarter), figures.total.registered,
           figures.total.visited, figures.total.share, len(figures.total.overdue))


def report_quarter(filters) -> Quarter:
    """The quarter a report's period ends in (this quarter when it names no month)."""
    last = getattr(filters, "last_month", None)
    return quarter_of(date(last[0], last[1], 1)) if last else this_quarter()


def coverage_for_report(filters) -> Coverage:
    """The coverage on the station and district dashboards: the filters' station (every
    station for none), in the quarter their period ends."""
    return coverage(filters.station_id, report_quarter(filters))
