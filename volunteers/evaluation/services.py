"""The four-party evaluation: the rules.

* Only a district administrator (the civil-affairs bureau, 区民政局) creates periods, their
  items, weights and veto items, gives the reviewer roles and assigns reviewers their stations,
  opens and closes periods and answers the veto list. A period's form changes only while it is a
  draft (409 ``period_not_draft``).
* Opening a period freezes, for every station (or the stations chosen), the station's report of
  the period's months (`volunteers.reporting.monthly.station_report`): later records never change
  the snapshot.
* A reviewer (evaluator, town, committee) scores only the stations assigned to them (403), the
  district party any station; only while the period is open (409 ``period_not_open``); only
  their party's items (422), each from 0 to its maximum with at most one decimal place (422).
  A refusal changes nothing. Submitting again revises the sheet.
* `result`: a party's score is the sum of its scores over the sum of its items' maxima, × 100;
  the total is Σ party score × weight / 100; a party without a sheet is missing and the total is
  incomplete; a veto item answered yes fails the station (一票否决) whatever its score.
* Every write by the district or a reviewer is audited.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import delete, select

from timebank.accounts import services as accounts
from timebank.accounts.models import User, UserRole
from timebank.accounts.permissions import REVIEWER_ROLES, Role, has_role
from timebank.audit import services as audit
from timebank.clock import month_bounds, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.org.models import Station
from timebank.web.inputs import checked_text
from volunteers.evaluation.models import (
    EvaluationPeriod,
    Party,
    PeriodKind,
    PeriodStatus,
    ReviewerStation,
    ScoreLine,
    ScoreSheet,
    ScoringItem,
    StationSnapshot,
    VetoAnswer,
    VetoItem,
)
from volunteers.evidence.services import station_evidence, station_photo
from volunteers.reporting.monthly import station_report

NAME_MOST, TITLE_MOST, COMMENTS_MOST, NOTE_MOST = 80, 200, 5000, 500
MAX_SCORE_MOST = 1000

PARTIES = tuple(Party)
PARTY_LABELS = {
    Party.EVALUATOR: _l("Third-party evaluator"),
    Party.TOWN: _l("Town"),
    Party.COMMITTEE: _l("Village or residents' committee"),
    Party.DISTRICT: _l("District civil-affairs bureau"),
}
KIND_LABELS = {PeriodKind.MID_TERM: _l("Mid-term"), PeriodKind.FINAL: _l("Final"),
               PeriodKind.OTHER: _l("Other")}
STATUS_LABELS = {PeriodStatus.DRAFT: lazy_pgettext("evaluation", "Draft"),
                 PeriodStatus.OPEN: lazy_pgettext("evaluation", "Open"),
                 PeriodStatus.CLOSED: lazy_pgettext("evaluation", "Closed")}
#: The party each reviewer role scores for.
ROLE_PARTY = {Role.EVALUATOR: Party.EVALUATOR, Role.TOWN_REVIEWER: Party.TOWN,
              Role.COMMITTEE_REVIEWER: Party.COMMITTEE}


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def require_district(by: User) -> None:
    if not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only the district (a district administrator) can do this."))


def is_reviewer(user) -> bool:
    return any(has_role(user, role) for role in REVIEWER_ROLES)


def party_of(user) -> Party | None:
    """The party `user` scores for: their reviewer role's, or the district's."""
    for role, party in ROLE_PARTY.items():
        if has_role(user, role):
            return party
    if has_role(user, Role.DISTRICT_ADMIN):
        return Party.DISTRICT
    return None


def score_text(tenths: int | None) -> str:
    return "" if tenths is None else str(Decimal(tenths) / 10)


# --- reviewers --------------------------------------------------------------------------------

def reviewers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([role.value for role in REVIEWER_ROLES]))
        .order_by(User.id).distinct()))


def assigned_station_ids(user) -> set[int]:
    return set(db.session.scalars(select(ReviewerStation.station_id)
                                  .where(ReviewerStation.user_id == user.id)))


def add_reviewer(by: User, *, phone: str, name: str, role, password: str | None = None
                 ) -> tuple[User, str | None]:
    """Give a reviewer role: to the account of `phone` if there is one (a staff member of a
    station may not review), else to a new account. Returns it and the generated password (to
    show once) of a new one."""
    require_district(by)
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in REVIEWER_ROLES:
        raise InvalidInput(fields={"role": [_("Choose the evaluator, the town or the "
                                              "committee.")]})
    user = accounts.get_by_phone(phone)
    generated, created = None, user is None
    if user is None:
        problems: dict = {}
        name = checked_text(problems, "name", name, 40, required=True)
        if problems:
            raise InvalidInput(fields=problems)
        generated = None if password else accounts.generate_password()
        user = accounts.create_user(phone, password or generated, name, roles=(role,))
    else:
        if any(has_role(user, staff) for staff in (Role.SOCIAL_WORKER, Role.MERCHANT)) \
                or is_reviewer(user) and role.value not in user.role_names:
            raise Conflict(_("This account already has another role; a reviewer's account "
                             "serves only the evaluation."), code="reviewer_role_conflict",
                           fields={"phone": [_("Use another phone number.")]})
        if role.value not in user.role_names:
            user.roles.append(UserRole(role=role.value))
            db.session.flush()
    audit.record("evaluation.reviewer", f"user:{user.id}", actor=by, role=role.value,
                 created=created)
    return user, generated


def assign_stations(by: User, reviewer: User, station_ids) -> list[int]:
    """Set the stations `reviewer` reviews to `station_ids`."""
    require_district(by)
    if not is_reviewer(reviewer):
        raise InvalidInput(fields={"user_id": [_("Give the reviewer role first.")]})
    wanted = {int(station_id) for station_id in station_ids}
    known = set(db.session.scalars(select(Station.id).where(Station.id.in_(wanted)))) \
        if wanted else set()
    if wanted - known:
        raise InvalidInput(fields={"station_ids": [_("Choose stations from the list.")]})
    before = assigned_station_ids(reviewer)
    db.session.execute(delete(ReviewerStation).where(ReviewerStation.user_id == reviewer.id))
    db.session.add_all(ReviewerStation(user_id=reviewer.id, station_id=station_id)
                       for station_id in sorted(wanted))
    db.session.flush()
    audit.record("evaluation.assign", f"user:{reviewer.id}", actor=by, old=sorted(before),
                 new=sorted(wanted))
    return sorted(wanted)


def get_reviewer(user_id) -> User:
    user = db.session.get(User, user_id) if _whole(user_id) is not None else None
    if user is None or not is_reviewer(user):
        raise NotFound(_("There is no such reviewer."), code="reviewer_not_found")
    return user


# --- periods ----------------------------------------------------------------------------------

def periods() -> list[EvaluationPeriod]:
    return list(db.session.scalars(select(EvaluationPeriod).order_by(EvaluationPeriod.id.desc())))


def get_period(period_id) -> EvaluationPeriod:
    period = db.session.get(EvaluationPeriod, period_id) if _whole(period_id) is not None \
        else None
    if period is None:
        raise NotFound(_("There is no such evaluation period."), code="period_not_found")
    return period


def _period_fields(problems: dict, *, name, kind, first, last, weights) -> dict:
    values = {"name": checked_text(problems, "name", name, NAME_MOST, required=True)}
    try:
        values["kind"] = PeriodKind(kind).value
    except ValueError:
        problems["kind"] = [_("Choose mid-term, final or other.")]
    if not (isinstance(first, tuple) and isinstance(last, tuple)):
        problems["first"] = [_("Enter a month as YYYY-MM.")]
    elif first > last:
        problems["last"] = [_("The last month comes before the first.")]
    else:
        values.update(first_year=first[0], first_month=first[1], last_year=last[0],
                      last_month=last[1])
    weights = weights or {}
    numbers = {}
    for party in PARTIES:
        value = _whole(weights.get(party.value, 0))
        if value is None or not 0 <= value <= 100:
            problems[f"weight_{party.value}"] = [_("Enter whole percent from 0 to 100.")]
        else:
            numbers[f"weight_{party.value}"] = value
    if len(numbers) == len(PARTIES) and sum(numbers.values()) != 100:
        problems["weights"] = [_("The four weights must add up to 100.")]
    values.update(numbers)
    return values


DEFAULT_WEIGHTS = {"evaluator": 70, "town": 10, "committee": 10, "district": 10}


def create_period(by: User, *, name, kind, first, last, weights=None) -> EvaluationPeriod:
    require_district(by)
    problems: dict = {}
    values = _period_fields(problems, name=name, kind=kind, first=first, last=last,
                            weights=weights or DEFAULT_WEIGHTS)
    if problems:
        raise InvalidInput(fields=problems)
    period = EvaluationPeriod(**values, created_by_id=by.id, status=PeriodStatus.DRAFT.value)
    db.session.add(period)
    db.session.flush()
    audit.record("evaluation.period.create", f"evaluation_period:{period.id}", actor=by,
                 **{key: value for key, value in values.items()})
    return period


def _require_draft(period: EvaluationPeriod) -> None:
    if period.status != PeriodStatus.DRAFT:
        raise Conflict(_("The period is open or closed: its form and weights no longer "
                         "change."), code="period_not_draft")


def update_period(by: User, period: EvaluationPeriod, *, name, kind, first, last, weights
                  ) -> EvaluationPeriod:
    require_district(by)
    _require_draft(period)
    problems: dict = {}
    values = _period_fields(problems, name=name, kind=kind, first=first, last=last,
                            weights=weights)
    if problems:
        raise InvalidInput(fields=problems)
    old = {key: getattr(period, key) for key in values}
    for key, value in values.items():
        setattr(period, key, value)
    db.session.flush()
    audit.record("evaluation.period.update", f"evaluation_period:{period.id}", actor=by,
                 old=old, new=values)
    return period


def add_item(by: User, period: EvaluationPeriod, *, party, title, max_score, position=None
             ) -> ScoringItem:
    require_district(by)
    _require_draft(period)
    problems: dict = {}
    title = checked_text(problems, "title", title, TITLE_MOST, required=True)
    try:
        party = Party(party)
    except ValueError:
        problems["party"] = [_("Choose one of the four parties.")]
    max_score = _whole(max_score)
    if max_score is None or not 1 <= max_score <= MAX_SCORE_MOST:
        problems["max_score"] = [_("Enter whole points from 1 to %(most)d.",
                                   most=MAX_SCORE_MOST)]
    if problems:
        raise InvalidInput(fields=problems)
    if position is None:
        position = len([item for item in period.items if item.party == party]) + 1
    item = ScoringItem(period=period, party=party.value, title=title, max_score=max_score,
                       position=position)
    db.session.add(item)
    db.session.flush()
    audit.record("evaluation.item.add", f"evaluation_period:{period.id}", actor=by,
                 item_id=item.id, party=party.value, title=title, max_score=max_score)
    return item


def remove_item(by: User, period: EvaluationPeriod, item_id) -> None:
    require_district(by)
    _require_draft(period)
    item = next((item for item in period.items if item.id == item_id), None)
    if item is None:
        raise NotFound(_("There is no such item."), code="item_not_found")
    db.session.delete(item)
    db.session.flush()
    audit.record("evaluation.item.remove", f"evaluation_period:{period.id}", actor=by,
                 item_id=item_id, title=item.title)


def add_veto_item(by: User, period: EvaluationPeriod, *, title) -> VetoItem:
    require_district(by)
    _require_draft(period)
    problems: dict = {}
    title = checked_text(problems, "title", title, TITLE_MOST, required=True)
    if problems:
        raise InvalidInput(fields=problems)
    item = VetoItem(period=period, title=title)
    db.session.add(item)
    db.session.flush()
    audit.record("evaluation.veto_item.add", f"evaluation_period:{period.id}", actor=by,
                 item_id=item.id, title=title)
    return item


def items_of(period: EvaluationPeriod, party: Party | str) -> list[ScoringItem]:
    return [item for item in period.items if item.party == Party(party)]


def open_period(by: User, period: EvaluationPeriod, station_ids=None) -> list[StationSnapshot]:
    """Open the period: freeze the report of its months for every station (or those chosen)."""
    require_district(by)
    _require_draft(period)
    missing = [party for party in PARTIES
               if period.weight(party) and not items_of(period, party)]
    if missing:
        raise Conflict(_("Add scoring items for every party with a weight first: %(parties)s.",
                         parties=", ".join(str(PARTY_LABELS[party]) for party in missing)),
                       code="items_missing")
    statement = select(Station).order_by(Station.id)
    if station_ids:
        wanted = {int(station_id) for station_id in station_ids}
        statement = statement.where(Station.id.in_(wanted))
    stations = list(db.session.scalars(statement))
    if not stations or station_ids and len(stations) != len(set(station_ids)):
        raise InvalidInput(fields={"station_ids": [_("Choose stations from the list.")]})
    snapshots = [StationSnapshot(period_id=period.id, station_id=station.id,
                                 figures=station_report(station.id, period.first,
                                                        period.last).to_dict())
                 for station in stations]
    db.session.add_all(snapshots)
    period.status, period.opened_by_id, period.opened_at = PeriodStatus.OPEN.value, by.id, now()
    db.session.flush()
    audit.record("evaluation.period.open", f"evaluation_period:{period.id}", actor=by,
                 stations=[station.id for station in stations])
    return snapshots


def close_period(by: User, period: EvaluationPeriod) -> EvaluationPeriod:
    require_district(by)
    if period.status != PeriodStatus.OPEN:
        raise Conflict(_("Only an open period can be closed."), code="period_not_open")
    period.status, period.closed_by_id, period.closed_at = PeriodStatus.CLOSED.value, by.id, now()
    db.session.flush()
    audit.record("evaluation.period.close", f"evaluation_period:{period.id}", actor=by)
    return period


def snapshot(period: EvaluationPeriod, station_id: int) -> StationSnapshot | None:
    return db.session.scalar(select(StationSnapshot).where(
        StationSnapshot.period_id == period.id, StationSnapshot.station_id == station_id))


def snapshots(period: EvaluationPeriod) -> list[StationSnapshot]:
    return list(db.session.scalars(select(StationSnapshot).where(
        StationSnapshot.period_id == period.id).order_by(StationSnapshot.station_id)))


# --- what a reviewer sees ---------------------------------------------------------------------

def visible_periods(user) -> list[EvaluationPeriod]:
    """The district: every period; a reviewer: the open and closed ones of their stations."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return periods()
    if not is_reviewer(user):
        raise PermissionDenied(_("Only the district and the evaluation's reviewers see "
                                 "evaluations."))
    stations = assigned_station_ids(user)
    if not stations:
        return []
    return list(db.session.scalars(
        select(EvaluationPeriod).where(EvaluationPeriod.status != PeriodStatus.DRAFT.value,
                                       EvaluationPeriod.id.in_(
                                           select(StationSnapshot.period_id).where(
                                               StationSnapshot.station_id.in_(stations))))
        .order_by(EvaluationPeriod.id.desc())))


def reviewable(by: User, period: EvaluationPeriod, station_id) -> StationSnapshot:
    """The station's snapshot, if `by` reviews it in this period: 403 for a reviewer not
    assigned to it, 404 when the station is not part of the period."""
    if has_role(by, Role.DISTRICT_ADMIN):
        pass
    elif not is_reviewer(by) or station_id not in assigned_station_ids(by):
        raise PermissionDenied(_("This station is not assigned to you for review."))
    if period.status == PeriodStatus.DRAFT:
        raise NotFound(_("There is no such evaluation period."), code="period_not_found")
    frozen = snapshot(period, station_id) if _whole(station_id) is not None else None
    if frozen is None:
        raise NotFound(_("This station is not part of the period."), code="station_not_in_period")
    return frozen


def my_assignments(user) -> list[tuple[EvaluationPeriod, StationSnapshot, ScoreSheet | None]]:
    """The reviewer's stations in open periods, with their sheet if they submitted one."""
    party = party_of(user)
    stations = assigned_station_ids(user)
    found = []
    for period in visible_periods(user):
        if period.status != PeriodStatus.OPEN:
            continue
        for frozen in snapshots(period):
            if frozen.station_id in stations:
                found.append((period, frozen, sheet_of(period, frozen.station_id, party)))
    return found


def _span(period: EvaluationPeriod):
    """[start, end) of the period's months."""
    return month_bounds(*period.first)[0], month_bounds(*period.last)[1]


def evidence_of(period: EvaluationPeriod, station_id: int):
    return station_evidence(station_id, *_span(period))


def evidence_photo(period: EvaluationPeriod, station_id: int, photo_id: int):
    """A photo of the period's evidence of the station, or None (check `reviewable` first)."""
    return station_photo(station_id, *_span(period), photo_id)


def sheet_of(period: EvaluationPeriod, station_id: int, party) -> ScoreSheet | None:
    if party is None:
        return None
    return db.session.scalar(select(ScoreSheet).where(
        ScoreSheet.period_id == period.id, ScoreSheet.station_id == station_id,
        ScoreSheet.party == Party(party).value))


def _tenths(value) -> int | None:
    """A score with at most one decimal place, in tenths; None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or abs(number) > 100000 \
                or number != number.quantize(Decimal("0.1")):
            return None
    except InvalidOperation:
        return None
    return int(number * 10)


def submit_sheet(by: User, period: EvaluationPeriod, station_id, *, scores: dict,
                 comments="", activity_ids=(), photo_ids=()) -> ScoreSheet:
    """Submit or revise the party's sheet of a station: a score for every item of the party.
    `scores` maps item ids to points (0 to the item's maximum, one decimal place at most)."""
    party = party_of(by)
    if party is None:
        raise PermissionDenied(_("Only the evaluation's reviewers and the district score "
                                 "stations."))
    reviewable(by, period, station_id)
    if period.status != PeriodStatus.OPEN:
        raise Conflict(_("The period is closed: its scores no longer change."),
                       code="period_not_open")
    problems: dict = {}
    comments = checked_text(problems, "comments", comments, COMMENTS_MOST)
    items = {item.id: item for item in items_of(period, party)}
    if not isinstance(scores, dict):
        scores = {}
        problems["scores"] = [_("Give a score for every item.")]
    given: dict[int, int] = {}
    for key, value in scores.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            item_id = None
        item = items.get(item_id)
        if item is None:
            problems[f"scores.{key}"] = [_("This item is not on your party's form.")]
            continue
        tenths = _tenths(value)
        if tenths is None or not 0 <= tenths <= item.max_score * 10:
            problems[f"scores.{key}"] = [_("Enter a score from 0 to %(most)d, with at most one "
                                           "decimal place.", most=item.max_score)]
            continue
        given[item.id] = tenths
    for item_id in items:
        if item_id not in given and f"scores.{item_id}" not in problems:
            problems[f"scores.{item_id}"] = [_("Give a score for every item.")]
    evidence = evidence_of(period, station_id)
    known_activities = {entry.activity.id for entry in evidence}
    known_photos = {photo.id for entry in evidence for photo in entry.photos}
    activity_ids, photo_ids = _ids(activity_ids), _ids(photo_ids)
    if activity_ids is None or not set(activity_ids) <= known_activities:
        problems["activity_ids"] = [_("Tick activities of this station and period only.")]
    if photo_ids is None or not set(photo_ids) <= known_photos:
        problems["photo_ids"] = [_("Tick photos of this station and period only.")]
    if problems:
        raise InvalidInput(fields=problems)
    sheet = sheet_of(period, station_id, party)
    old = None
    if sheet is None:
        sheet = ScoreSheet(period_id=period.id, station_id=station_id, party=party.value,
                           reviewer_id=by.id)
        db.session.add(sheet)
    else:
        old = {line.item_id: line.score_tenths for line in sheet.lines}
        sheet.lines.clear()
        db.session.flush()
    sheet.reviewer_id, sheet.comments, sheet.submitted_at = by.id, comments, now()
    sheet.evidence = {"activities": sorted(set(activity_ids)), "photos": sorted(set(photo_ids))}
    sheet.lines.extend(ScoreLine(item_id=item_id, score_tenths=tenths)
                       for item_id, tenths in sorted(given.items()))
    db.session.flush()
    audit.record("evaluation.sheet.submit", f"evaluation_period:{period.id}", actor=by,
                 station_id=station_id, party=party.value, revised=old is not None,
                 scores={str(key): value for key, value in sorted(given.items())},
                 old=None if old is None else {str(key): value for key, value in old.items()})
    return sheet


def _ids(values) -> list[int] | None:
    if values is None:
        return []
    found = []
    for value in values:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            return None
    return found


def answer_veto(by: User, period: EvaluationPeriod, station_id, item_id, *, vetoed: bool,
                note="") -> VetoAnswer:
    require_district(by)
    reviewable(by, period, station_id)
    if period.status != PeriodStatus.OPEN:
        raise Conflict(_("The period is closed: its answers no longer change."),
                       code="period_not_open")
    item = next((item for item in period.veto_items if item.id == item_id), None)
    if item is None:
        raise InvalidInput(fields={"item_id": [_("Choose an item of this period's veto list.")]})
    problems: dict = {}
    note = checked_text(problems, "note", note, NOTE_MOST)
    if not isinstance(vetoed, bool):
        problems["vetoed"] = [_("Answer yes or no.")]
    if problems:
        raise InvalidInput(fields=problems)
    answer = db.session.scalar(select(VetoAnswer).where(
        VetoAnswer.period_id == period.id, VetoAnswer.station_id == station_id,
        VetoAnswer.item_id == item.id))
    old = None if answer is None else answer.vetoed
    if answer is None:
        answer = VetoAnswer(period_id=period.id, station_id=station_id, item_id=item.id,
                            vetoed=vetoed, answered_by_id=by.id)
        db.session.add(answer)
    answer.vetoed, answer.note, answer.answered_by_id, answer.answered_at = \
        vetoed, note, by.id, now()
    db.session.flush()
    audit.record("evaluation.veto.answer", f"evaluation_period:{period.id}", actor=by,
                 station_id=station_id, item_id=item.id, old=old, new=vetoed, note=note)
    return answer


def veto_answers(period: EvaluationPeriod, station_id: int) -> dict[int, VetoAnswer]:
    return {answer.item_id: answer for answer in db.session.scalars(select(VetoAnswer).where(
        VetoAnswer.period_id == period.id, VetoAnswer.station_id == station_id))}


# --- results ----------------------------------------------------------------------------------

def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class PartyResult:
    party: Party
    weight: int
    #: Out of 100, one decimal place; None: no sheet yet.
    score: Decimal | None = None
    sheet: ScoreSheet | None = None

    @property
    def missing(self) -> bool:
        return self.sheet is None


@dataclass
class StationResult:
    period: EvaluationPeriod
    station: Station
    parties: list[PartyResult] = field(default_factory=list)
    #: Σ party score × weight / 100 over the parties that scored, one decimal place.
    total: Decimal = Decimal("0.0")
    vetoes: list[VetoItem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(not party.missing for party in self.parties if party.weight)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)


def result(period: EvaluationPeriod, station: Station) -> StationResult:
    found = StationResult(period, station)
    unrounded = Decimal(0)
    for party in PARTIES:
        items = items_of(period, party)
        sheet = sheet_of(period, station.id, party)
        row = PartyResult(party, period.weight(party), sheet=sheet)
        maxima = sum(item.max_score for item in items)
        if sheet is not None and maxima:
            scored = Decimal(sum(line.score_tenths for line in sheet.lines)) / 10
            exact = scored / maxima * 100
            row.score = _round(exact)
            unrounded += exact * row.weight / 100
        found.parties.append(row)
    found.total = _round(unrounded)
    answers = veto_answers(period, station.id)
    found.vetoes = [item for item in period.veto_items
                    if item.id in answers and answers[item.id].vetoed]
    return found


@dataclass
class Consulted:
    """What a reviewer ticked, in words: the activities' titles and the number of photos."""

    activities: list[str]
    photos: int


def consulted(period: EvaluationPeriod, row: StationResult) -> dict[Party, Consulted]:
    """Per party, the evidence its reviewer ticked for the station."""
    titles = {entry.activity.id: entry.activity.title
              for entry in evidence_of(period, row.station.id)}
    found = {}
    for party in row.parties:
        ticked = party.sheet.evidence if party.sheet else {}
        found[party.party] = Consulted(
            [titles[key] for key in ticked.get("activities", []) if key in titles],
            len(ticked.get("photos", [])))
    return found


def results(by: User, period: EvaluationPeriod) -> list[StationResult]:
    require_district(by)
    return [result(period, frozen.station) for frozen in snapshots(period)]


def results_xlsx(by: User, period: EvaluationPeriod) -> bytes:
    """The period's results as an XLSX workbook for the district: one row per station."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = results(by, period)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Results")[:31]
    sheet.append([period.name, str(KIND_LABELS[PeriodKind(period.kind)]),
                  "{:04d}-{:02d} – {:04d}-{:02d}".format(*period.first, *period.last)])
    header = [_("Station")]
    for party in PARTIES:
        label = str(PARTY_LABELS[party])
        header += [f"{label} ({period.weight(party)}%)", _("%(party)s: comments", party=label),
                   _("%(party)s: evidence consulted", party=label)]
    header += [_("Weighted total"), _("Complete"), _("Veto (一票否决)"), _("Result")]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        line = [row.station.name]
        seen = consulted(period, row)
        for party in row.parties:
            ticked = seen[party.party]
            line += [float(party.score) if party.score is not None else None,
                     party.sheet.comments if party.sheet else "",
                     "、".join(ticked.activities)
                     + (_("; %(count)d photos", count=ticked.photos) if ticked.photos else "")
                     if party.sheet else ""]
        line += [float(row.total), _("yes") if row.complete else _("no"),
                 "; ".join(item.title for item in row.vetoes),
                 outcome_text(row)]
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text people wrote stays text, never a formula
    sheet.column_dimensions["A"].width = 24
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def outcome_text(row: StationResult) -> str:
    if row.vetoed:
        return _("Failed: vetoed (一票否决)")
    if not row.complete:
        return _("Incomplete")
    return _("Scored")
