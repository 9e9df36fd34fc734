"""The volunteer roster import (``flask import volunteers``, the upload page): a station's
existing volunteers become residents with a volunteer profile, and the hours they served
before the platform become an opening balance.

Rows ``姓名, 手机号, 身份证号 (optional), 村居, 技能 (optional, separated by 、),
原有时长(分钟) (optional)``; an optional ``镇街`` column, or a ``村居`` cell written as
``镇街村居`` (``南沙街道金洲社区``), chooses between communities of the same name in two towns.

* A new phone makes a resident with no usable password, marked `claimable`: registering with
  the same phone and real name claims the account (`timebank.accounts.services.register_resident`).
  Their profile gets the community, the linked social worker (the least busy of the grid team
  covering it), the ID number (checked against its check digit) and the skills (the platform's
  skill names become codes; others are kept as written in ``skills_other``).
* A phone already registered to the same name only fills what its profile lacks (community,
  ID number, skills) and posts an opening balance if it has none; to another name it is a bad
  row. Nothing is ever taken away, so the same file again changes nothing.
* ``原有时长(分钟)`` is posted once per person as an ``opening_balance`` transfer from the
  district's legacy-hours account (idempotency key ``opening_balance:<user id>``), by
  `timebank.ledger.services.post_batch`. A different figure for someone who already has an
  opening balance is a bad row: it is never posted twice.

New people are written with one insert per table for each chunk of rows (the ORM per row is
too slow for 100,000 volunteers).
"""

import re
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role
from timebank.clock import now
from timebank.extensions import db
from timebank.imports.services import (
    Column,
    Importer,
    Problem,
    RowProblems,
    SeenPhones,
    phone_cell,
    required_text,
)
from timebank.ledger import services as ledger
from timebank.org import services as org
from volunteers.profiles import services as profiles
from volunteers.profiles.models import DEFAULT_MONTHLY_LIMIT, VolunteerProfile
from volunteers.vocabulary import SKILLS

#: Opening balances above this many minutes (about 19 years of full days) are a typing slip.
MOST_OPENING_MINUTES = 10_000_000
OPENING_MEMO = "原有时长"
_SKILL_SEPARATORS = re.compile(r"[、,，;；/\s]+")
BALANCE = "原有时长(分钟)"


def _skill_codes() -> dict[str, str]:
    names = {}
    for code, label in SKILLS.items():
        names[code] = code
        with force_locale("en"):
            names[str(label).lower()] = code
        with force_locale("zh_Hans_CN"):
            names[str(label)] = code
    return names


@dataclass(frozen=True)
class _Row:
    name: str
    phone: str
    id_number: str | None
    community_id: int
    skills: list[str]
    skills_other: str
    minutes: int | None


@dataclass(frozen=True)
class _Held:
    """The parts of a profile an import may fill in."""

    community_id: int | None
    id_number: str | None
    skills: list
    skills_other: str


@dataclass
class _Roster:
    #: community name → ids; (town, name) and "townname" → id
    by_name: dict[str, list[int]]
    by_town: dict[tuple[str, str], int]
    by_full: dict[str, int]
    station_of: dict[int, int | None]
    allowed_station: int | None
    skills: dict[str, str]
    #: phone → (user id, name) of registered people
    people: dict[str, tuple[int, str]]
    openings: dict[int, int]
    #: user id → what their profile holds, for everyone with a profile
    profiles: dict[int, "_Held"]
    phones: SeenPhones = field(default_factory=SeenPhones)
    #: community id → [[linked count, worker id], ...] of the grid team covering it
    workers: dict[int, list[list[int]]] = field(default_factory=dict)


def _opening_balances() -> dict[int, int]:
    """User id → minutes of their opening balance, for everyone who has one."""
    rows = db.session.execute(
        select(ledger.Account.owner_id, ledger.Entry.minutes)
        .join(ledger.Entry, ledger.Entry.account_id == ledger.Account.id)
        .join(ledger.Transfer, ledger.Transfer.id == ledger.Entry.transfer_id)
        .where(ledger.Transfer.kind == ledger.TransferKind.OPENING_BALANCE,
               ledger.Account.kind == ledger.AccountKind.MEMBER))
    return {owner_id: minutes for owner_id, minutes in rows}


class VolunteerImporter(Importer):
    kind = "volunteers"
    label = _l("Volunteers and their hours before the platform")
    role = Role.STATION_MANAGER
    columns = (Column("姓名", example="陈晓敏"), Column("手机号", example="13800000001"),
               Column("身份证号", required=False, example="440115199001011233"),
               Column("村居", example="金洲社区"),
               Column("技能", required=False, example="急救、陪伴长者"),
               Column(BALANCE, required=False, example="120", aliases=("原有时长",)))
    #: Optional columns read when present: header → row key.
    extra_columns = {"镇街": "镇街"}

    def begin(self, by):
        by_name, by_town, by_full, station_of = {}, {}, {}, {}
        for town, communities in org.towns_with_communities():
            for community in communities:
                by_name.setdefault(community.name, []).append(community.id)
                by_town[(town.name, community.name)] = community.id
                by_full[f"{town.name}{community.name}"] = community.id
                station_of[community.id] = town.station.id if town.station else None
        allowed = None
        if by is not None and not has_role(by, Role.DISTRICT_ADMIN):
            allowed = org.station_id_of(by)
        people = {phone: (user_id, name) for user_id, phone, name in db.session.execute(
            select(users.User.id, users.User.phone, users.User.name))}
        held = {row.user_id: _Held(row.community_id, row.id_number, row.skills or [],
                                   row.skills_other or "")
                for row in db.session.execute(select(
                    VolunteerProfile.user_id, VolunteerProfile.community_id,
                    VolunteerProfile.id_number, VolunteerProfile.skills,
                    VolunteerProfile.skills_other))}
        return _Roster(by_name=by_name, by_town=by_town, by_full=by_full, station_of=station_of,
                       allowed_station=allowed, skills=_skill_codes(), people=people,
                       openings=_opening_balances(), profiles=held)

    # --- one row ---------------------------------------------------------------------------

    def _community(self, context: _Roster, number: int, row: dict) -> int:
        text = required_text(number, row, "村居", 80)
        town = row.get("镇街", "").strip()
        if town:
            found = context.by_town.get((town, text))
            if found is None:
                raise RowProblems(Problem(number, "村居", _(
                    "There is no community %(community)s in %(town)s.", community=text,
                    town=town)))
            return found
        if text in context.by_full:
            return context.by_full[text]
        found = context.by_name.get(text, [])
        if not found:
            raise RowProblems(Problem(number, "村居", _(
                "There is no community %(community)s: import the geography first, or check the "
                "name.", community=text)))
        if len(found) > 1:
            raise RowProblems(Problem(number, "村居", _(
                "There are communities called %(community)s in several towns: write the town "
                "before it (镇街村居) or add a 镇街 column.", community=text)))
        return found[0]

    def _parse(self, context: _Roster, number: int, row: dict) -> _Row:
        problems = []

        def cell(check):
            try:
                return check()
            except RowProblems as bad:
                problems.extend(bad.problems)
                return None

        name = cell(lambda: required_text(number, row, "姓名", 40))
        phone = cell(lambda: phone_cell(number, row))
        id_number = (row.get("身份证号") or "").strip().upper() or None
        if id_number is not None and not profiles.valid_id_number(id_number):
            problems.append(Problem(number, "身份证号", _(
                "Not a valid resident ID number (18 characters with a check digit).")))
        community_id = cell(lambda: self._community(context, number, row))
        if community_id is not None and context.allowed_station is not None \
                and context.station_of.get(community_id) != context.allowed_station:
            problems.append(Problem(number, "村居", _(
                "This community belongs to another station.")))
        skills, other = [], []
        for word in _SKILL_SEPARATORS.split(row.get("技能") or ""):
            if not word:
                continue
            code = context.skills.get(word) or context.skills.get(word.lower())
            if code is None:
                other.append(word)
            elif code not in skills:
                skills.append(code)
        skills_other = "、".join(other)
        if len(skills_other) > 200:
            problems.append(Problem(number, "技能", _("At most %(count)d characters.", count=200)))
        minutes = None
        raw = (row.get(BALANCE) or "").strip().replace(",", "")
        if raw:
            if re.fullmatch(r"-\s*\d+(\.\d+)?", raw):
                problems.append(Problem(number, BALANCE, _(
                    "An opening balance cannot be negative.")))
            elif re.fullmatch(r"\+?\d+\.\d*[1-9]\d*", raw):
                problems.append(Problem(number, BALANCE, _(
                    "Give whole minutes, without a fraction.")))
            elif not re.fullmatch(r"\+?\d+(\.0*)?", raw):
                problems.append(Problem(number, BALANCE, _("Give a whole number of minutes.")))
            else:
                minutes = int(raw.lstrip("+").split(".")[0])
                if minutes > MOST_OPENING_MINUTES:
                    problems.append(Problem(number, BALANCE, _(
                        "At most %(count)d minutes.", count=MOST_OPENING_MINUTES)))
        if problems:
            raise RowProblems(*problems)
        return _Row(name=name, phone=phone, id_number=id_number, community_id=community_id,
                    skills=skills, skills_other=skills_other, minutes=minutes or None)

    def _profile_changes(self, profile: "VolunteerProfile | _Held | None", parsed: _Row) -> dict:
        """What the row adds to an existing profile: only what it lacks."""
        changes = {}
        if profile is None or profile.community_id is None:
            changes["community_id"] = parsed.community_id
        if parsed.id_number and not (profile and profile.id_number):
            changes["id_number"] = parsed.id_number
        have = list(profile.skills or []) if profile else []
        extra = [code for code in parsed.skills if code not in have]
        if extra:
            changes["skills"] = have + extra
        if parsed.skills_other and not (profile and profile.skills_other):
            changes["skills_other"] = parsed.skills_other
        return changes

    def check(self, context: _Roster, number, row):
        parsed = self._parse(context, number, row)
        context.phones.add(number, parsed.phone)
        known = context.people.get(parsed.phone)
        if known is None:
            return "created"
        user_id, name = known
        if not users.same_name(name, parsed.name):
            raise RowProblems(Problem(number, "姓名", _(
                "The phone %(phone)s belongs to a member with another name.",
                phone=parsed.phone)))
        opening = context.openings.get(user_id)
        if parsed.minutes and opening is not None and opening != parsed.minutes:
            raise RowProblems(Problem(number, BALANCE, _(
                "This member already has an opening balance of %(minutes)d minutes; it is "
                "posted only once.", minutes=opening)))
        changed = bool(parsed.minutes and opening is None) or bool(
            self._profile_changes(context.profiles.get(user_id), parsed))
        return "updated" if changed else "unchanged"

    def checked(self, context: _Roster):
        return context.phones.problems()

    # --- writing ---------------------------------------------------------------------------

    def _linked_worker(self, context: _Roster, community_id: int) -> int | None:
        workers = context.workers.get(community_id)
        if workers is None:
            team = org.grid_team_for(org.get_community(community_id))
            workers = [] if team is None else [
                [profiles.linked_count(post.user.id), post.user.id] for post in team.posts
                if has_role(post.user, Role.SOCIAL_WORKER) and post.user.is_active]
            context.workers[community_id] = workers
        if not workers:
            return None
        chosen = min(workers)
        chosen[0] += 1
        return chosen[1]

    def apply(self, context: _Roster, rows, by):
        context.phones.clear()  # only the first pass needs them: the file has no duplicates
        parsed = [self._parse(context, number, row) for number, row in rows]
        new = [row for row in parsed if row.phone not in context.people]
        created = users.create_imported([(row.phone, row.name) for row in new])
        moment = now()
        if new:
            db.session.execute(insert(VolunteerProfile), [{
                "user_id": created[row.phone], "community_id": row.community_id,
                "linked_social_worker_id": self._linked_worker(context, row.community_id),
                "id_number": row.id_number, "skills": row.skills,
                "skills_other": row.skills_other, "interest_groups": [], "interest_themes": [],
                "availability": [], "monthly_limit": DEFAULT_MONTHLY_LIMIT, "updated_at": moment,
            } for row in new])
        owed = [(created[row.phone], row.minutes) for row in new if row.minutes]
        for row in parsed:
            if row.phone in created:
                continue
            user_id = context.people[row.phone][0]
            changes = self._profile_changes(context.profiles.get(user_id), row)
            if changes:
                profile = profiles.profile_for(users.get_user(user_id))
                if "community_id" in changes:
                    profile.linked_social_worker_id = self._linked_worker(
                        context, changes["community_id"])
                for name, value in changes.items():
                    setattr(profile, name, value)
            if row.minutes and user_id not in context.openings:
                owed.append((user_id, row.minutes))
        db.session.flush()
        if owed:
            accounts = ledger.member_account_ids(user_id for user_id, _minutes in owed)
            ledger.post_batch(
                ledger.TransferKind.OPENING_BALANCE, ledger.legacy_hours_account(),
                [(accounts[user_id], minutes, f"opening_balance:{user_id}")
                 for user_id, minutes in owed],
                memo=OPENING_MEMO, posted_by=by, reference="import:volunteers")


def init_app(app) -> None:
    from timebank.imports.services import register

    register(app, VolunteerImporter())
