"""Demo data for the coordination layer, for trying the platform locally (`flask seed-demo`).

What the demo holds:

* Geography: Nansha's nine towns and streets with 36 communities and villages, a social-work
  station per town and a service point per community.
* Staff: at every station one station manager and two grid teams (片区) of three social workers
  splitting its communities (定点联系、片区联动). The demo logins fit in: 王丽娟 manages
  南沙街道社工服务站 and 李志华 works in its first grid team, the one covering 金洲社区. Staff
  phones are 1370000SSNN (SS the station, NN 00 for the manager, 01-06 the social workers).
* Volunteers: the demo residents 陈晓敏 (金洲社区, linked to 李志华) and 梁伯 (港湾社区, an
  elderly resident), and 300 more residents (phones 1360000NNNN) spread over every community,
  each linked to a social worker of their grid, with varied skills, interests, theme tags,
  weekly availability, ID numbers and monthly limits; most have given consent.
* Volunteer service teams (志愿服务队) at every station, led by its social workers.
* One theme a month (一月一主题): the district's calendar for this year and the next 12 months,
  and station calendars of a few stations for some months.
* Activities: 6 to 12 a station a month under the month's theme, over the last eight weeks and
  the next six (and always the whole of this month), with sign-ups, invitations and waiting
  lists for coming ones, and a few drafts. The window is counted in days from today, so the
  demo looks alike on the 1st of a month and on the 31st.
  南沙街道 always has coming activities in 金洲社区 with places left, and 陈晓敏 has coming
  sign-ups and attended ones, approved into the ledger (her hours before the platform are an
  opening balance of the core demo, so her service hours and her certificate agree).
* What happened at the activities that ended before today: check-ins (QR or card) approved by
  the station's social workers into the ledger (``checkin:<id>``, dated a day or two after the
  activity), a few with minutes set by hand and a reason (荣誉时), a few rejected, forgotten
  check-outs, no-shows, and in the last week check-ins still waiting for approval.
* Hours moving on: the volunteers with the most hours at every station donate some to their
  community's pool, 港湾社区's pool grants an hour to 梁伯, and 梁伯 pays a neighbour for going with
  him to the clinic (mutual aid), so every figure of the dashboards has something to show.

Deterministic (fixed random seeds; dates relative to today) and idempotent: what exists
is found by natural keys (phones, names, a station's activity title within a month) and left
alone, so running the seeder twice adds nothing. Login password: `timebank.demo.DEMO_PASSWORD`.
The tables (places, names, activity kinds, theme calendars, teams) are in `volunteers.demo.data`.
"""

import calendar
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from timebank.accounts import services as users
from timebank.accounts.models import User, UserRole
from timebank.accounts.permissions import Role, has_role
from timebank.clock import local, now, shift_month, zone
from timebank.demo import DEMO_PASSWORD
from timebank.errors import Conflict
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger.models import Account, AccountKind, Transfer
from timebank.org import services as org
from timebank.org.models import Agency, Community, GridTeam, ServicePoint, StaffPost, Station, Town
from volunteers import vocabulary
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, ActivityStatus, CreditMode, SignUp, SignUpStatus
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn, CheckInStatus
from volunteers.demo.data import (
    AGENCIES,
    DEMO_COMMUNITY,
    DEMO_TOWN,
    DISTRICT_ADMIN_PHONE,
    DISTRICT_THEMES,
    DRAFT_TOWNS,
    ELDER_COMMUNITY,
    ELDER_PHONE,
    EXTRA_TEAMS,
    FILLERS,
    FORGOT_CHECKOUT_REASON,
    GIVEN_NAMES,
    GRID_NUMERALS,
    KINDS,
    LATE_SCAN_REASON,
    LEFT_EARLY_REASON,
    MANAGER_PHONE,
    NAMED_RESIDENTS,
    NANSHA,
    REJECT_REASON,
    RESERVED_NAMES,
    RESIDENT_PHONE,
    SCHOOL_HOLIDAYS,
    SKILLS_OTHER,
    SOCIAL_WORKER_PHONE,
    STAGES,
    STATION_THEMES,
    SURNAMES,
    VOLUNTEER_COUNT,
    VOLUNTEER_TEAMS,
    WORKERS_PER_GRID,
    Kind,
    kind_category,
)
from volunteers.demo.evaluation import seed_evaluation
from volunteers.demo.evidence import seed_evidence
from volunteers.demo.groups import seed_groups
from volunteers.demo.ratings import seed_ratings
from volunteers.demo.rules import seed_rules
from volunteers.demo.teams import seed_teams
from volunteers.demo.training import seed_training
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile
from volunteers.teams.models import VolunteerTeam
from volunteers.themes import services as themes

SEED = 2026

# --- the people ---------------------------------------------------------------------------------


def staff_phone(station_number: int, number: int) -> str:
    """``1370000SSNN``: NN 00 is the station manager, 01-06 the social workers."""
    return f"1370000{station_number:02d}{number:02d}"


def volunteer_phone(number: int) -> str:
    return f"1360000{number:04d}"


def _weighted_sample(rng: random.Random, weights: dict, count: int) -> list:
    """`count` distinct keys of `weights`, heavier ones likelier (Efraimidis–Spirakis)."""
    keyed = sorted(weights, key=lambda key: rng.random() ** (1 / weights[key]), reverse=True)
    return keyed[:count]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, generation: str, gender: str, used: set) -> str:
    given = GIVEN_NAMES[(generation, gender)].split()
    while True:
        name = _pick(rng, SURNAMES) + rng.choice(given)
        if name not in used and name not in RESERVED_NAMES:
            used.add(name)
            return name


def _generation(age: int) -> str:
    return "old" if age >= 55 else "mid" if age >= 28 else "young"


def id_number(birth: date, gender: str, sequence: int) -> str:
    """A Nansha (440115) resident ID number with a correct check character (GB 11643)."""
    odd_or_even = sequence % 5 * 2 + (1 if gender == "male" else 0)
    body = f"440115{birth:%Y%m%d}{sequence // 5 % 100:02d}{odd_or_even}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def _availability(rng: random.Random, stage: str) -> list[str]:
    weekdays, weekend = vocabulary.WEEKDAYS[:5], vocabulary.WEEKDAYS[5:]
    if stage == "retired":
        slots = [f"{day}-am" for day in rng.sample(weekdays, rng.randint(2, 5))]
        slots += [f"{day}-pm" for day in rng.sample(weekdays, rng.randint(0, 2))]
        slots += ["sat-am"] if rng.random() < 0.3 else []
    elif stage == "homemaker":
        slots = [f"{day}-{part}" for day in rng.sample(weekdays, rng.randint(2, 4))
                 for part in ("am", "pm") if rng.random() < 0.6]
        slots += ["sat-am"] if rng.random() < 0.5 else []
    elif stage == "student":
        slots = [f"{day}-{part}" for day in weekend for part in ("am", "pm") if rng.random() < 0.7]
        slots += [f"{day}-eve" for day in rng.sample(weekdays, rng.randint(0, 2))]
    else:
        slots = [f"{day}-{part}" for day in weekend for part in ("am", "pm") if rng.random() < 0.55]
        slots += [f"{day}-eve" for day in rng.sample(weekdays, rng.randint(0, 3))]
    slots = slots or ["sat-am"]
    return [slot for slot in vocabulary.SLOTS if slot in set(slots)]


@dataclass
class VolunteerSpec:
    phone: str
    name: str
    town: str
    community: str
    fields: dict


def volunteer_specs() -> list[VolunteerSpec]:
    """The bulk volunteers, the same on every run."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
    places = [(town, community) for town, names in NANSHA.items() for community in names]
    weights = [(1.5 if town == DEMO_TOWN else 1.0) * (1.2 if community.endswith("社区") else 0.8)
               for town, community in places]
    homes = [place for place in places for _ in range(4)]
    homes += rng.choices(places, weights=weights, k=VOLUNTEER_COUNT - len(homes))
    rng.shuffle(homes)
    stage_weights = {stage: info["share"] for stage, info in STAGES.items()}
    today = _today()
    used: set[str] = set()
    specs = []
    for number, (town, community) in enumerate(homes, start=1):
        stage = _pick(rng, stage_weights)
        info = STAGES[stage]
        gender = "female" if rng.random() < (0.75 if stage == "homemaker" else 0.58) else "male"
        age = rng.randint(*info["ages"])
        birth = date(today.year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
        name = _name(rng, _generation(age), gender, used)
        consent = rng.random() < 0.88
        fields = {
            "community_id": (town, community), "gender": gender if rng.random() < 0.95 else None,
            "birth_date": birth if rng.random() < 0.8 else None,
            "monthly_limit": _pick(rng, {1: 25, 2: 40, 3: 20, 4: 15}),
            "consent": consent,
            "id_number": None,
        }
        if rng.random() < 0.65:
            fields["birth_date"], fields["gender"] = birth, gender
            fields["id_number"] = id_number(birth, gender, rng.randint(0, 499))
        skills = _weighted_sample(rng, info["skills"], _pick(rng, {0: 20, 1: 40, 2: 28, 3: 12}))
        groups = _weighted_sample(rng, info["groups"], _pick(rng, {1: 45, 2: 40, 3: 15}))
        tags = _weighted_sample(rng, info["tags"], _pick(rng, {0: 15, 1: 35, 2: 35, 3: 15}))
        availability = _availability(rng, stage)
        other = rng.choice(SKILLS_OTHER) if rng.random() < 0.1 else ""
        if consent:
            fields.update(skills=[code for code in vocabulary.SKILLS if code in skills],
                          interest_groups=[code for code in vocabulary.TARGET_GROUPS if code in groups],
                          interest_themes=tags, availability=availability, skills_other=other)
        specs.append(VolunteerSpec(volunteer_phone(number), name, town, community, fields))
    return specs


# --- seeding ------------------------------------------------------------------------------------


def seed() -> None:
    seed_geography()
    seed_agencies()
    password_hash = generate_password_hash(DEMO_PASSWORD)
    seed_staff(password_hash)
    seed_named_residents()
    seed_volunteers(password_hash)
    seed_volunteer_teams()
    seed_themes()
    seed_activities()
    seed_resident_sign_ups()
    seed_check_ins()
    seed_pools()
    seed_mutual_aid()
    seed_minors_and_insurance(password_hash)
    seed_households()
    seed_ratings()
    seed_visits()
    seed_complaints()
    seed_teams()
    seed_groups()
    seed_training()
    seed_rules(password_hash)
    seed_evidence()
    seed_evaluation(password_hash)
    db.session.flush()


def seed_geography() -> None:
    for town_name, community_names in NANSHA.items():
        town = db.session.scalar(select(Town).where(Town.name == town_name))
        if town is None:
            town = Town(name=town_name)
            db.session.add(town)
            db.session.flush()
        if town.station is None:
            db.session.add(Station(town_id=town.id, name=f"{town_name}社工服务站",
                                   address=f"广州市南沙区{town_name}"))
        existing = {community.name for community in town.communities}
        for name in community_names:
            if name in existing:
                continue
            community = Community(town_id=town.id, name=name)
            db.session.add(community)
            db.session.flush()
            db.session.add(ServicePoint(community_id=community.id, name=f"{name}社工服务点"))
    db.session.flush()


def seed_agencies() -> None:
    """The agencies that run the stations (a station already given one keeps it)."""
    stations = _stations()
    for name, credit_code, contact, phone, towns in AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
        if agency is None:
            agency = Agency(name=name, credit_code=credit_code, contact_name=contact,
                            contact_phone=phone)
            db.session.add(agency)
            db.session.flush()
        for town in towns:
            if town in stations and stations[town].agency_id is None:
                stations[town].agency_id = agency.id
    db.session.flush()


def _stations() -> dict[str, Station]:
    """Town name → its station, in the order of `NANSHA`."""
    found = {station.town.name: station for station in db.session.scalars(select(Station).join(Town))}
    return {town: found[town] for town in NANSHA if town in found}


def _users_by_phone(phones) -> dict[str, User]:
    return {user.phone: user for user in db.session.scalars(select(User).where(User.phone.in_(list(phones))))}


def _new_user(phone: str, name: str, role: Role, password_hash: str) -> User:
    """Like `users.create_user`, with a password hash computed once for all demo users."""
    user = User(phone=phone, name=name, password_hash=password_hash,
                roles=[UserRole(role=Role(role).value)])
    db.session.add(user)
    return user


def seed_staff(password_hash: str) -> None:
    """A station manager and two grid teams of three social workers at every station."""
    rng = random.Random(f"{SEED}:staff")  # noqa: S311
    used: set[str] = set()
    plan = []  # (station, grid team name or None, communities, phone, name, role)
    stations = _stations()
    for number, (town, names) in enumerate(NANSHA.items(), start=1):
        station = stations.get(town)
        manager_name = _name(rng, "mid", _pick(rng, {"female": 3, "male": 1}), used)
        worker_names = [_name(rng, rng.choice(("young", "mid")), _pick(rng, {"female": 7, "male": 3}), used)
                        for _ in range(2 * WORKERS_PER_GRID)]
        if station is None:
            continue
        half = (len(names) + 1) // 2
        manager = MANAGER_PHONE if town == DEMO_TOWN else staff_phone(number, 0)
        plan.append((station, None, (), manager, manager_name, Role.STATION_MANAGER))
        for grid, members in enumerate((names[:half], names[half:])):
            team = f"{town}第{GRID_NUMERALS[grid]}片区"
            for seat in range(WORKERS_PER_GRID):
                phone = staff_phone(number, grid * WORKERS_PER_GRID + seat + 1)
                if town == DEMO_TOWN and grid == 0 and seat == 0:
                    phone = SOCIAL_WORKER_PHONE
                plan.append((station, team, members, phone, worker_names[grid * WORKERS_PER_GRID + seat],
                             Role.SOCIAL_WORKER))
    existing = _users_by_phone(row[3] for row in plan)
    for _station, _team, _members, phone, name, role in plan:
        if phone not in existing:
            existing[phone] = _new_user(phone, name, role, password_hash)
    db.session.flush()
    teams = {(team.station_id, team.name): team for team in db.session.scalars(select(GridTeam))}
    posted = set(db.session.scalars(select(StaffPost.user_id)))
    for station, team_name, members, phone, _person, _role in plan:
        team = None
        if team_name is not None:
            team = teams.get((station.id, team_name))
            if team is None:
                communities = [community for community in station.town.communities
                               if community.name in members]
                team = GridTeam(station=station, name=team_name, communities=communities)
                db.session.add(team)
                db.session.flush()
                teams[(station.id, team_name)] = team
        user = existing[phone]
        if user.id not in posted:
            org.assign_post(user, station, team)
            posted.add(user.id)


def _community(town: str, name: str) -> Community | None:
    return db.session.scalar(select(Community).join(Town).where(Town.name == town, Community.name == name))


def seed_named_residents() -> None:
    """Profiles for the demo residents; 陈晓敏's linked social worker is 李志华."""
    for phone, info in NAMED_RESIDENTS.items():
        user = users.get_by_phone(phone)
        if user is None:
            continue
        profile = profiles.profile_for(user)
        if profile.community_id is not None:
            continue
        data = {key: value for key, value in info.items() if key != "community"}
        birth = data["birth_date"]
        data.update(community_id=_community(DEMO_TOWN, info["community"]).id, consent=True,
                    id_number=id_number(birth, data["gender"], 7 if phone == RESIDENT_PHONE else 12))
        profiles.update_profile(profile, data)
        social_worker = users.get_by_phone(SOCIAL_WORKER_PHONE)
        if phone == RESIDENT_PHONE and social_worker is not None \
                and profile.linked_social_worker_id != social_worker.id:
            manager = users.get_by_phone(MANAGER_PHONE)
            profiles.relink(profile, social_worker, by=manager, reason="演示数据：由李志华定点联系")


def seed_volunteers(password_hash: str) -> None:
    """About 300 residents with volunteer profiles, linked to a social worker of their grid."""
    specs = volunteer_specs()
    existing = _users_by_phone(spec.phone for spec in specs)
    new = [(spec, _new_user(spec.phone, spec.name, Role.RESIDENT, password_hash))
           for spec in specs if spec.phone not in existing]
    if not new:
        return
    db.session.flush()
    communities = {(community.town.name, community.name): community.id
                   for community in db.session.scalars(select(Community))}
    for spec, user in new:
        data = dict(spec.fields)
        data["community_id"] = communities[data["community_id"]]
        profiles.update_profile(profiles.profile_for(user), data)


def _station_volunteers(station: Station) -> list[VolunteerProfile]:
    return list(db.session.scalars(
        select(VolunteerProfile).join(Community, Community.id == VolunteerProfile.community_id)
        .where(Community.town_id == station.town_id).order_by(VolunteerProfile.user_id)))


def _station_workers(station: Station) -> list[User]:
    """The station's social workers (not its manager), by id."""
    posts = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station.id)
                               .order_by(StaffPost.user_id))
    return [post.user for post in posts if post.grid_team_id is not None
            and has_role(post.user, Role.SOCIAL_WORKER) and post.user.is_active]


def seed_volunteer_teams() -> None:
    """Three or four volunteer service teams a station, each led by one of its social workers."""
    existing = {(team.station_id, team.name) for team in db.session.scalars(select(VolunteerTeam))}
    named = {phone: users.get_by_phone(phone) for phone in (RESIDENT_PHONE, ELDER_PHONE)}
    for town, station in _stations().items():
        specs = list(VOLUNTEER_TEAMS) + ([EXTRA_TEAMS[town]] if town in EXTRA_TEAMS else [])
        workers = _station_workers(station)
        if not workers:
            continue
        volunteers = _station_volunteers(station)
        for index, (suffix, groups, tags) in enumerate(specs):
            name = f"{town}{suffix}"
            if (station.id, name) in existing:
                continue
            rng = random.Random(f"{SEED}:team:{name}")  # noqa: S311
            keen = [profile for profile in volunteers
                    if groups & set(profile.interest_groups) or tags & set(profile.interest_themes)]
            members = rng.sample(keen, min(len(keen), rng.randint(6, 12)))
            users_ = [profile.user for profile in members]
            if town == DEMO_TOWN and index == 0:
                users_ += [user for user in named.values() if user is not None]
            leader = workers[index % len(workers)]
            db.session.add(VolunteerTeam(station_id=station.id, name=name, leader_id=leader.id,
                                         members=sorted(set(users_), key=lambda user: user.id)))
    db.session.flush()


def _today() -> date:
    return local(now()).date()


#: The demo's activities span the last HISTORY_DAYS and the next AHEAD_DAYS (and this month).
HISTORY_DAYS, AHEAD_DAYS = 8 * 7, 6 * 7


def seed_themes() -> None:
    """The district's calendar for this year, the months of the demo's history and the next 12
    months, and a few station calendars."""
    admin = users.get_by_phone(DISTRICT_ADMIN_PHONE)
    if admin is None:
        return
    today = _today()
    months = {(today.year, month) for month in range(1, 13)}
    months |= {shift_month(today.year, today.month, offset) for offset in range(-3, 13)}
    for year, month in sorted(months):
        if month in themes.calendar(None, year):
            continue
        title, description, tags, _kinds = DISTRICT_THEMES[month]
        themes.set_theme(None, year, month, title=title, description=description, tags=tags, by=admin)
    stations = _stations()
    for town, (station_months, title, description, tags, _kinds) in STATION_THEMES.items():
        station = stations.get(town)
        manager = _station_manager(station) if station else None
        if manager is None:
            continue
        for year, month in sorted(months):
            if month in station_months and month not in themes.calendar(station.id, year):
                themes.set_theme(station.id, year, month, title=title, description=description, tags=tags,
                                 by=manager)


def _station_manager(station: Station) -> User | None:
    posts = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station.id,
                                                       StaffPost.grid_team_id.is_(None)))
    return next((post.user for post in posts if has_role(post.user, Role.STATION_MANAGER)), None)


# --- activities and sign-ups --------------------------------------------------------------------


def _month_theme(town: str, station: Station, year: int, month: int) -> tuple[themes.Theme | None, tuple]:
    """The theme activities of that month go under (the station's own if any) and its kinds."""
    found = {theme.station_id: theme for theme in themes.themes_for_month(year, month, station.id)}
    if station.id in found:
        theme = found[station.id]
        own = STATION_THEMES.get(town)
        return theme, own[4] if own and own[1] == theme.title else DISTRICT_THEMES[month][3]
    return found.get(None), DISTRICT_THEMES[month][3]


def _days(year: int, month: int, when: str, earliest: date | None = None) -> list[date]:
    first = date(year, month, 1)
    days = [first + timedelta(days=number) for number in range(calendar.monthrange(year, month)[1])]
    if earliest is not None:
        days = [day for day in days if day >= earliest]
    matching = [day for day in days if when == "any" or (day.weekday() >= 5) == (when == "weekend")]
    return matching or days or [earliest]


def _place(kind: Kind, town: str, community: Community) -> str:
    base = community.name.removesuffix("社区").removesuffix("村")
    return kind.place.format(c=community.name, b=base, t=town)


def _title(community: Community, key: str, titles: set) -> str:
    """`community`'s name and the kind's title, numbered if the month already has it."""
    title, number = f"{community.name}{KINDS[key].title}", 2
    while title in titles:
        title, number = f"{community.name}{KINDS[key].title}（第{number}场）", number + 1
    titles.add(title)
    return title


def _activity_data(rng: random.Random, key: str, town: str, community: Community, title: str, day: date,
                   theme: themes.Theme | None) -> dict:
    kind = KINDS[key]
    start = datetime.combine(day, time.fromisoformat(rng.choice(kind.starts)), tzinfo=zone())
    data = {
        "title": title, "description": kind.description, "theme_id": theme.id if theme else None,
        "community_id": community.id, "place": _place(kind, town, community), "target_group": kind.target,
        "starts_at": start, "ends_at": start + timedelta(hours=rng.choice(kind.hours)),
        "slots": rng.randint(*kind.slots), "required_skills": list(kind.skills),
        "allow_walk_ins": kind.walk_ins or rng.random() < 0.1,
        "credit_mode": CreditMode.SCANNED, "status": ActivityStatus.PUBLISHED,
        # The record fields: what volunteers did is the kind's description (not the theme).
        "service_category": kind_category(key), "service_content": kind.description,
    }
    if data["ends_at"] <= now():
        # Filled in by the station after the activity: a few residents per volunteer place.
        # (A generator of its own, so the other choices stay as they were before the field.)
        served = random.Random(f"{SEED}:served:{title}:{day.isoformat()}")  # noqa: S311
        data["people_served"] = data["slots"] * served.randint(2, 5)
    if rng.random() < 0.1:
        data.update(credit_mode=CreditMode.FIXED, fixed_minutes=int(rng.choice(kind.hours) * 60))
    return data


def plan_month(town: str, station: Station, year: int, month: int) -> list[dict]:
    """A station's activities of a month: 6 to 12, the same whenever the seeder runs."""
    rng = random.Random(f"{SEED}:{town}:{year}-{month:02d}")  # noqa: S311
    theme, theme_kinds = _month_theme(town, station, year, month)
    fillers = [kind for kind in FILLERS if not (kind == "homework" and month in SCHOOL_HOLIDAYS)]
    count = rng.randint(6, 12)
    kinds = list(theme_kinds)
    rng.shuffle(kinds)
    kinds += [rng.choice(fillers) for _ in range(count - len(kinds))]
    communities = list(station.town.communities)
    rng.shuffle(communities)
    plan, titles = [], set()
    for index, key in enumerate(kinds):
        community = communities[index % len(communities)]
        day = rng.choice(_days(year, month, KINDS[key].when))
        plan.append({"anchor": False, "data": _activity_data(
            rng, key, town, community, _title(community, key, titles), day, theme)})
    return plan


def plan_anchors(town: str, station: Station, today: date, titles: set) -> list[dict]:
    """Three more activities in 金洲社区 after today, with room for newcomers: this month, or
    next month when today is its last day."""
    community = next((community for community in station.town.communities
                      if community.name == DEMO_COMMUNITY), None)
    if community is None:
        return []
    tomorrow = today + timedelta(days=1)
    year, month = tomorrow.year, tomorrow.month
    rng = random.Random(f"{SEED}:{town}:{year}-{month:02d}:anchors")  # noqa: S311
    theme, theme_kinds = _month_theme(town, station, year, month)
    kinds = [key for key in dict.fromkeys((*theme_kinds, "cleanup", "visit", "sorting", "birthday", "repair"))
             if f"{community.name}{KINDS[key].title}" not in titles][:3]
    plan, used = [], set()
    for key in kinds:
        days = _days(year, month, KINDS[key].when, today + timedelta(days=1))
        day = rng.choice([day for day in days if day not in used] or days)
        used.add(day)
        data = _activity_data(rng, key, town, community, _title(community, key, titles), day, theme)
        data["slots"] = max(data["slots"], 10)
        plan.append({"anchor": True, "data": data})
    return plan


class Bookings:
    """Who is busy when, and how many activities each volunteer has a month, while seeding."""

    def __init__(self):
        self.busy: dict[int, list[tuple]] = defaultdict(list)
        self.monthly: Counter = Counter()
        rows = db.session.execute(
            select(SignUp.user_id, Activity.starts_at, Activity.ends_at).join(SignUp.activity)
            .where(SignUp.status.in_(activities.HOLDING), Activity.status != ActivityStatus.CANCELLED))
        for user_id, starts_at, ends_at in rows:
            self.add(user_id, starts_at, ends_at)

    def add(self, user_id: int, starts_at, ends_at) -> None:
        self.busy[user_id].append((starts_at, ends_at))
        moment = local(starts_at)
        self.monthly[(user_id, moment.year, moment.month)] += 1

    def free(self, user_id: int, starts_at, ends_at) -> bool:
        return all(end <= starts_at or start >= ends_at for start, end in self.busy[user_id])

    def month_count(self, user_id: int, starts_at) -> int:
        moment = local(starts_at)
        return self.monthly[(user_id, moment.year, moment.month)]


def _slot_of(moment: datetime) -> str:
    moment = local(moment)
    part = "am" if moment.hour < 12 else "pm" if moment.hour < 18 else "eve"
    return f"{vocabulary.WEEKDAYS[moment.weekday()]}-{part}"


def _candidates(rng: random.Random, activity: Activity, volunteers: list[VolunteerProfile]) -> list:
    """Volunteers in the order they would sign up: neighbours, interested, available first."""
    slot = _slot_of(activity.starts_at)
    keyed = []
    for profile in volunteers:
        weight = 1.0
        if profile.community_id == activity.community_id:
            weight += 3
        if activity.target_group in profile.interest_groups:
            weight += 2
        if set(activity.required_skills) & set(profile.skills):
            weight += 3
        if slot in profile.availability:
            weight += 3
        elif profile.availability:
            weight *= 0.3
        keyed.append((rng.random() ** (1 / weight), profile.user_id, profile))
    return [profile for _key, _id, profile in sorted(keyed, key=lambda item: item[:2], reverse=True)]


def _in_window(day: date, today: date) -> bool:
    """Whether an activity on `day` belongs to the demo: within its window of days, or this month."""
    return (today - timedelta(days=HISTORY_DAYS) <= day < today + timedelta(days=AHEAD_DAYS)
            or (day.year, day.month) == (today.year, today.month))


def plan_window(town: str, station: Station, today: date) -> list[tuple[int, dict]]:
    """(month offset, plan entry) of a station's activities in the demo's window, in month order.

    Each month's plan is drawn whole (`plan_month`) and cut to the window, so an activity keeps its
    day and title whenever the seeder runs. In `DRAFT_TOWNS` the last one is still a draft.
    """
    window, tomorrow = [], today + timedelta(days=1)
    for offset in range(-3, 3):
        year, month = shift_month(today.year, today.month, offset)
        plan = plan_month(town, station, year, month)
        if town == DEMO_TOWN and (year, month) == (tomorrow.year, tomorrow.month):
            # Newcomers always find a coming activity here.
            plan += plan_anchors(town, station, today, {entry["data"]["title"] for entry in plan})
        window += [(offset, entry) for entry in plan
                   if _in_window(local(entry["data"]["starts_at"]).date(), today)]
    coming = [entry for _offset, entry in window
              if local(entry["data"]["starts_at"]).date() > today and not entry["anchor"]]
    if town in DRAFT_TOWNS and coming:
        max(coming, key=lambda entry: entry["data"]["starts_at"])["data"]["status"] = ActivityStatus.DRAFT
    return window


def seed_activities() -> None:
    """Every station's activities over the demo's window of days, with sign-ups."""
    today = _today()
    skip = {RESIDENT_PHONE, ELDER_PHONE}
    bookings = None
    for town, station in _stations().items():
        workers = _station_workers(station)
        if not workers:
            continue
        first = datetime.combine(today - timedelta(days=HISTORY_DAYS + 40), time(0), tzinfo=zone())
        last = datetime.combine(today + timedelta(days=AHEAD_DAYS + 40), time(0), tzinfo=zone())
        existing = {(activity.title, local(activity.starts_at).strftime("%Y-%m"))
                    for activity in db.session.scalars(select(Activity).where(
                        Activity.station_id == station.id, Activity.starts_at >= first,
                        Activity.starts_at < last))}
        volunteers = [profile for profile in _station_volunteers(station) if profile.user.phone not in skip]
        window = plan_window(town, station, today)
        for offset in sorted({offset for offset, _entry in window}):
            year, month = shift_month(today.year, today.month, offset)
            plan = [entry for entry_offset, entry in window if entry_offset == offset]
            for index, entry in enumerate(plan):
                data = entry["data"]
                if (data["title"], local(data["starts_at"]).strftime("%Y-%m")) in existing:
                    continue
                if bookings is None:
                    bookings = Bookings()
                worker = workers[index % len(workers)]
                activity = activities.create_activity(worker, station, data)
                rng = random.Random(f"{SEED}:signups:{town}:{data['title']}:{year}-{month}")  # noqa: S311
                activity.created_at = min(now(), activity.starts_at - timedelta(days=rng.randint(7, 21)))
                if activity.status == ActivityStatus.PUBLISHED:
                    _sign_ups(rng, activity, volunteers, bookings, anchor=entry["anchor"])
    db.session.flush()


#: Coming activities within this many days are well filled; later ones fill slowly, and invite.
FILLING_DAYS = 21


def _sign_ups(rng: random.Random, activity: Activity, volunteers: list, bookings: Bookings, *,
              anchor: bool) -> None:
    ended = activity.ends_at <= now()
    soon = activity.starts_at < now() + timedelta(days=FILLING_DAYS)
    if ended:
        wanted = max(2, round(activity.slots * rng.uniform(0.55, 1.0)))
    elif anchor:
        wanted = rng.randint(2, activity.slots - 4)
    else:
        share = rng.uniform(0.3, 0.85) if soon else rng.uniform(0.1, 0.5)
        wanted = max(1, round(activity.slots * share))
        if rng.random() < 0.1:  # a popular one: full, with a waiting list
            wanted = activity.slots + rng.randint(1, 3)
    invite = not ended and not anchor and not soon and rng.random() < 0.3
    taken = 0
    for profile in _candidates(rng, activity, volunteers):
        if taken >= wanted:
            break
        user_id = profile.user_id
        if bookings.month_count(user_id, activity.starts_at) > profile.monthly_limit \
                or not bookings.free(user_id, activity.starts_at, activity.ends_at):
            continue
        if ended:
            if taken >= activity.slots:
                break
            signed = activity.starts_at - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 12))
            # Who came is recorded afterwards, by check-in or by staff (`seed_check_ins`).
            db.session.add(SignUp(activity_id=activity.id, user_id=user_id, status=SignUpStatus.CONFIRMED,
                                  created_at=signed, updated_at=activity.ends_at + timedelta(hours=2)))
        else:
            status = SignUpStatus.INVITED if invite and taken == 0 else None
            try:
                activities.sign_up(activity, profile.user, status=status)
            except Conflict:
                continue
        bookings.add(user_id, activity.starts_at, activity.ends_at)
        taken += 1


#: Past activities 陈晓敏 attended in 金洲社区 (her service on the platform).
RESIDENT_ATTENDED = 3


def seed_resident_sign_ups() -> None:
    """陈晓敏 has coming sign-ups in 金洲社区 and attended activities there, before the last week
    (added only if missing)."""
    resident = users.get_by_phone(RESIDENT_PHONE)
    station = _stations().get(DEMO_TOWN)
    community = _community(DEMO_TOWN, DEMO_COMMUNITY)
    if resident is None or station is None or community is None:
        return
    mine = list(db.session.scalars(select(SignUp).join(SignUp.activity).where(
        SignUp.user_id == resident.id, SignUp.status != SignUpStatus.CANCELLED)))
    moment = now()
    in_community = list(db.session.scalars(
        select(Activity).where(Activity.station_id == station.id, Activity.community_id == community.id,
                               Activity.status == ActivityStatus.PUBLISHED).order_by(Activity.starts_at)))
    if not any(entry.activity.ends_at > moment for entry in mine):
        free = set(profiles.profile_for(resident).availability)
        coming = sorted((activity for activity in in_community if activity.starts_at > moment),
                        key=lambda activity: (_slot_of(activity.starts_at) not in free, activity.starts_at))
        joined = 0
        for activity in coming:
            if activities.slots_left(activity) < 2:
                continue
            try:
                activities.sign_up(activity, resident)
            except Conflict:
                continue
            joined += 1
            if joined == 2:
                break
    if not any(entry.attendance == "attended" for entry in mine):
        # Served before the last week, so a social worker has approved it (`seed_check_ins`):
        # her certificate always has lines, and 我的时间 counts the same hours.
        reviewed = moment - timedelta(days=REVIEW_DAYS + 1)
        bookings, attended = Bookings(), 0
        for activity in reversed([activity for activity in in_community if activity.ends_at <= reviewed]):
            if activities.slots_left(activity) > 0 and not is_training(activity) \
                    and bookings.free(resident.id, activity.starts_at, activity.ends_at):
                db.session.add(SignUp(activity_id=activity.id, user_id=resident.id,
                                      status=SignUpStatus.CONFIRMED, attendance="attended",
                                      created_at=activity.starts_at - timedelta(days=3),
                                      updated_at=activity.ends_at + timedelta(hours=1)))
                bookings.add(resident.id, activity.starts_at, activity.ends_at)
                attended += 1
                if attended == RESIDENT_ATTENDED:
                    break
    db.session.flush()


# --- what happened at past activities: check-ins, hours, pools, mutual aid ----------------------

#: Check-ins of activities that ended in the last days may still wait for a social worker.
REVIEW_DAYS = 7
#: Titles of the kinds where volunteers are trained rather than serve (`Kind.training`).
TRAINING_TITLES = tuple(kind.title for kind in KINDS.values() if kind.training)


def is_training(activity: Activity) -> bool:
    """A training session: who came is recorded, but nobody checks in for service hours."""
    return any(title in activity.title for title in TRAINING_TITLES)


def seed_check_ins() -> None:
    """What happened at the past activities (those that ended before today): most confirmed
    volunteers checked in and out (by QR, some by card) and a social worker of the station
    approved their minutes into the ledger (`checkins.approve`, key ``checkin:<id>``), except at
    training sessions, where staff only mark who came (training is not service); a few
    approvals set the minutes by hand with a reason (荣誉时); a few volunteers forgot to check out
    (closed with 0 minutes and flagged, then approved by hand); a few were rejected; about one in
    eleven never came (marked no-show by staff); a few sign-ups are not recorded yet; and of the
    last week's activities about half the check-ins still wait for approval.

    The scans of the past are written as the check-in services would have left them (minutes by
    `checkins.credited_minutes`), as `_sign_ups` writes past sign-ups; every decision goes
    through the services (`approve`, `reject`, `mark_attendance`). Each outcome is drawn from a
    generator seeded by the activity and the volunteer, so a second run, finding the check-ins
    (or the no-show marks), adds nothing.
    """
    cutoff = datetime.combine(_today(), time(0), tzinfo=zone())
    review_from = cutoff - timedelta(days=REVIEW_DAYS)
    entries = db.session.scalars(
        select(SignUp).join(SignUp.activity)
        .outerjoin(CheckIn, (CheckIn.activity_id == SignUp.activity_id) & (CheckIn.user_id == SignUp.user_id))
        .where(SignUp.status == SignUpStatus.CONFIRMED, CheckIn.id.is_(None),
               func.coalesce(SignUp.attendance, "") != "no_show",
               Activity.status == ActivityStatus.PUBLISHED, Activity.ends_at < cutoff)
        .options(joinedload(SignUp.user))
        .order_by(Activity.starts_at, Activity.id, SignUp.id)).unique().all()
    if not entries:
        return
    # Held for the whole step: the permission checks then find every post in the session.
    posts = list(db.session.scalars(select(StaffPost)))  # noqa: F841
    scanned = []
    for entry in entries:
        activity, user = entry.activity, entry.user
        month = local(activity.starts_at).strftime("%Y-%m")
        rng = random.Random(f"{SEED}:attendance:{activity.title}:{month}:{user.phone}")  # noqa: S311
        draw = rng.random()
        if entry.attendance is None and draw < 0.09:
            activities.mark_attendance(entry, "no_show", by=activity.created_by)
            continue
        if entry.attendance is None and draw < 0.11:
            continue  # nobody has recorded this one yet
        if is_training(activity):
            if entry.attendance is None:  # trained, not serving: no check-in, no hours
                activities.mark_attendance(entry, "attended", by=activity.created_by)
            continue
        arrived = activity.starts_at + timedelta(minutes=rng.randint(-25, 15))
        checkin = CheckIn(activity_id=activity.id, user_id=user.id, checked_in_at=arrived,
                          method=rng.choice(("qr", "qr", "qr", "card")))
        outcome = rng.random()
        if outcome < 0.03:  # forgot to check out: closed by the scheduler, for review
            checkin.status, checkin.minutes, checkin.flagged = CheckInStatus.AUTO_CLOSED, 0, True
        else:
            checkin.checked_out_at = activity.ends_at + timedelta(minutes=rng.randint(-30, 25))
            checkin.minutes = checkins.credited_minutes(activity, arrived, checkin.checked_out_at)
            checkin.status = CheckInStatus.CLOSED
        entry.attendance = "attended"
        db.session.add(checkin)
        scanned.append((checkin, outcome, rng))
    db.session.flush()
    for checkin, outcome, rng in scanned:
        activity, staff = checkin.activity, checkin.activity.created_by
        if activity.ends_at >= review_from and rng.random() < 0.5:
            continue  # waits for a social worker
        if checkin.status == CheckInStatus.AUTO_CLOSED:
            _approve(checkin, staff, rng, minutes=activity.minutes_long, reason=FORGOT_CHECKOUT_REASON)
        elif outcome < 0.045:
            checkins.reject(checkin, by=staff, reason=REJECT_REASON)
        elif outcome < 0.09 or not checkin.minutes:
            if checkin.minutes < activity.minutes_long:
                _approve(checkin, staff, rng, minutes=activity.minutes_long, reason=LATE_SCAN_REASON)
            else:
                _approve(checkin, staff, rng, minutes=activity.minutes_long - 30, reason=LEFT_EARLY_REASON)
        else:
            _approve(checkin, staff, rng)
    db.session.flush()


def _approve(checkin: CheckIn, by: User, rng: random.Random, *, minutes: int | None = None,
             reason: str | None = None) -> None:
    """Approve through `checkins.approve`, dated a few hours to days after the activity, so the
    ledger's months match the activities'. Minutes added by hand (荣誉时) and long days go to
    whoever's tier they are: the station manager, or the district administrator."""
    when = min(now(), checkin.activity.ends_at + timedelta(hours=rng.randint(2, 60)))
    scanned = checkin.minutes or 0
    need = checkins.approval_need(checkin, scanned_minutes=min(minutes or scanned, scanned))
    if need.tier == checkins.TIER_DISTRICT:
        by = users.get_by_phone(DISTRICT_ADMIN_PHONE)
    elif need.tier == checkins.TIER_MANAGER or (minutes or 0) > scanned:
        by = _station_manager(checkin.activity.station) or by
    # The approver's quality evaluation, from a generator of its own so that the rest of the
    # demo comes out as before: mostly 良好, some 优秀, a few 合格.
    evaluation = random.Random(f"{SEED}:evaluation:{checkin.id}").choices(  # noqa: S311
        ("excellent", "good", "pass"), weights=(3, 6, 1))[0]
    checkins.approve(checkin, by=by, minutes=minutes, reason=reason, evaluation=evaluation,
                     at=when)


#: Donors a station (those with the most hours give part of them to their community's pool).
POOL_DONORS = 3


def seed_pools() -> None:
    """Donations to community pools by the volunteers with the most hours at every station (and
    someone in 港湾社区 always), then a grant from 港湾社区's pool to 梁伯, an elderly resident
    living alone. All under ``demo:pool:`` keys: once any exists, nothing is added."""
    if db.session.scalar(select(Transfer.id).where(Transfer.idempotency_key.like("demo:pool:%")).limit(1)):
        return
    named = {RESIDENT_PHONE, ELDER_PHONE}
    rows = db.session.execute(
        select(VolunteerProfile, Account.balance, Community.town_id)
        .join(Account, (Account.owner_id == VolunteerProfile.user_id) & (Account.kind == AccountKind.MEMBER))
        .join(Community, Community.id == VolunteerProfile.community_id)
        .where(Account.balance >= 120)
        .order_by(Account.balance.desc(), VolunteerProfile.user_id)).all()
    rich = [(profile, balance, town_id) for profile, balance, town_id in rows
            if profile.user.phone not in named]
    elder_community = _community(DEMO_TOWN, ELDER_COMMUNITY)
    donors = []
    for station in _stations().values():
        donors += [(profile, balance) for profile, balance, town_id in rich
                   if town_id == station.town_id][:POOL_DONORS]
    if elder_community is not None and not any(profile.community_id == elder_community.id
                                               for profile, _balance in donors):
        donors += [(profile, balance) for profile, balance, _town in rich
                   if profile.community_id == elder_community.id][:1]
    for profile, balance in donors:
        minutes = 120 if balance >= 360 else 60
        memo = f"捐给{profile.community.name}互助池，帮助有需要的邻居"
        pools.donate(profile.user, profile.community, minutes, memo,
                     idempotency_key=f"demo:pool:{profile.user.phone}")
    elder, social_worker = users.get_by_phone(ELDER_PHONE), users.get_by_phone(SOCIAL_WORKER_PHONE)
    if elder is not None and social_worker is not None and elder_community is not None \
            and pools.pool_balances([elder_community])[elder_community.id] >= 60:
        pools.grant(elder_community, elder, 60, "elderly_alone", "独居长者，用于请邻居陪同复诊",
                    by=social_worker, idempotency_key="demo:pool:grant:elder")
    db.session.flush()


MUTUAL_AID_TITLE = "陪同去社区卫生服务站复诊"


def seed_mutual_aid() -> None:
    """梁伯 asked a neighbour in 港湾社区 to go with him to the clinic, and paid an hour for it
    (a ``spend`` transfer), once both had confirmed. Added only if that request is missing."""
    elder = users.get_by_phone(ELDER_PHONE)
    community = _community(DEMO_TOWN, ELDER_COMMUNITY)
    if elder is None or community is None or db.session.scalar(select(HelpRequest.id).where(
            HelpRequest.requester_id == elder.id, HelpRequest.title == MUTUAL_AID_TITLE)):
        return
    helper = db.session.scalar(
        select(User).join(VolunteerProfile, VolunteerProfile.user_id == User.id)
        .where(VolunteerProfile.community_id == community.id, User.phone.like("136%"))
        .order_by(User.id).limit(1))
    if helper is None or mutual_aid.available_minutes(elder) < 60:
        return
    request = mutual_aid.post_request(elder, {
        "title": MUTUAL_AID_TITLE, "category": "escort_to_clinic", "minutes": 60, "starts_at": now(),
        "description": "周三上午到港湾社区卫生服务站复诊量血压，腿脚不便，想请邻居陪同。",
        "place": "港湾社区卫生服务站"})
    offer = mutual_aid.offer_help(request, helper, "我周三上午有空，可以陪您去。")
    mutual_aid.choose_helper(request, offer, elder)
    mutual_aid.confirm_done(request, helper)
    mutual_aid.confirm_done(request, elder)
    request.starts_at = now() - timedelta(days=2)
    request.created_at = now() - timedelta(days=4)
    db.session.flush()


# --- minors and insurance (issue #21) -----------------------------------------------------------

#: 陈小雨, 16, 陈晓敏's daughter: a minor whose guardian consented on her phone.
MINOR_PHONE = "13800000031"
#: A risky activity (on the water) with its insurance policy, and one for 16 and over.
RISKY_TITLE, RISKY_POLICY = "蕉门河水上清漂（需保险）", "PICC-NS-2026-0088"
MIN_AGE_TITLE = "应急救护技能培训（16岁以上）"


def seed_minors_and_insurance(password_hash: str) -> None:
    """In 金洲社区: a 16-year-old with her mother's consent, a risky activity with an insurance
    policy and one for volunteers aged 16 and over, next week. Idempotent."""
    community = _community(DEMO_TOWN, DEMO_COMMUNITY)
    worker = users.get_by_phone(SOCIAL_WORKER_PHONE)
    mother = users.get_by_phone(RESIDENT_PHONE)
    if community is None or worker is None or mother is None:
        return
    station = community.station
    today = _today()
    daughter = users.get_by_phone(MINOR_PHONE)
    if daughter is None:
        daughter = _new_user(MINOR_PHONE, "陈小雨", Role.RESIDENT, password_hash)
        db.session.flush()
        profile = profiles.profile_for(daughter)
        born = date(today.year - 16, 3, 12)
        profiles.update_profile(profile, {
            "community_id": community.id, "gender": "female", "birth_date": born,
            "id_number": id_number(born, "female", 31), "consent": True,
            "skills": ["photography"], "interest_groups": ["children", "elderly"],
            "availability": ["sat-am", "sat-pm", "sun-am"], "monthly_limit": 2})
        profiles.record_guardian(profile, {
            "guardian_name": mother.name, "guardian_phone": mother.phone,
            "guardian_relationship": "mother", "declaration": True}, by=daughter)
    existing = set(db.session.scalars(select(Activity.title).where(
        Activity.station_id == station.id, Activity.title.in_([RISKY_TITLE, MIN_AGE_TITLE]))))
    for title, days, extra in (
            (RISKY_TITLE, 5, {"risky": True, "insurance_reference": RISKY_POLICY,
                              "place": "蕉门河沿岸", "target_group": "community",
                              "service_category": "environment",
                              "service_content": "乘船清理河面漂浮垃圾，全程穿救生衣"}),
            (MIN_AGE_TITLE, 9, {"min_age": 16, "place": "金洲社区党群服务中心",
                                "target_group": "community", "service_category": "emergency",
                                "service_content": "学习心肺复苏和AED使用"})):
        if title in existing:
            continue
        start = datetime.combine(today + timedelta(days=days), time(9, 30), tzinfo=zone())
        theme, _kinds = _month_theme(DEMO_TOWN, station, start.year, start.month)
        activities.create_activity(worker, station, {
            "title": title, "community_id": community.id, "starts_at": start,
            "theme_id": theme.id if theme else None,
            "ends_at": start + timedelta(hours=2), "slots": 12, "status": ActivityStatus.PUBLISHED,
            **extra})
    db.session.flush()


def seed_visits() -> None:
    """In 金洲社区: 陈晓敏 paired with an elderly woman living alone (李阿姨), with three visits: one
    approved three weeks ago (its hours posted through the check-in path), one of last week
    waiting for 李志华's approval, and a phone call of his own. Uses the register's household
    when one is there. Idempotent."""
    from volunteers.households.models import Household, Pairing
    from volunteers.visits import services as visits
    from volunteers.visits.models import Visit

    community = _community(DEMO_TOWN, DEMO_COMMUNITY)
    worker = users.get_by_phone(SOCIAL_WORKER_PHONE)
    volunteer = users.get_by_phone(RESIDENT_PHONE)
    if community is None or worker is None or volunteer is None or community.station is None:
        return
    station, today = community.station, _today()
    pairing = db.session.scalar(select(Pairing).where(Pairing.volunteer_id == volunteer.id,
                                                      Pairing.ended_at.is_(None)))
    if pairing is None:
        household = db.session.scalar(select(Household).where(
            Household.community_id == community.id, Household.closed_at.is_(None))
            .order_by(Household.id))
        if household is None:
            household = Household(
                station_id=station.id, community_id=community.id, name="李秀英", called="李阿姨",
                address="金洲社区金洲大道东12号3栋502", phone="13800000041",
                categories=["living_alone", "advanced_age"], needs=["companionship", "safety_check"],
                needs_note="腿脚不便，子女在外地", risk_level="medium",
                social_worker_id=worker.id, visit_every_days=30,
                next_visit_due=today - timedelta(days=35), consent_recorded_at=now(),
                consent_note="本人签字同意（纸质知情同意书存档）", created_by_id=worker.id)
            db.session.add(household)
            db.session.flush()
        pairing = Pairing(household_id=household.id, volunteer_id=volunteer.id,
                          rhythm="weekly_visit", needs=["companionship", "safety_check"],
                          started_on=today - timedelta(days=40), started_by_id=worker.id)
        db.session.add(pairing)
        db.session.flush()
    household = pairing.household
    if db.session.scalar(select(Visit.id).where(Visit.household_id == household.id)) is not None:
        return
    if household.social_worker_id is None:
        household.social_worker_id = worker.id
    approved = visits.record_visit(
        household, volunteer, visited_on=today - timedelta(days=21), minutes=90,
        started_at=datetime.combine(today - timedelta(days=21), time(15, 0), tzinfo=zone()),
        findings="阿姨精神不错，血压偏高，按时吃药；卫生间地面湿滑。", needs_found=["safety_check"],
        follow_up="联系社区安装防滑垫和扶手", referrals="")
    visits.approve(approved, by=worker, evaluation="excellent",
                   at=datetime.combine(today - timedelta(days=20), time(10, 0), tzinfo=zone()))
    visits.record_visit(
        household, volunteer, visited_on=today - timedelta(days=6), minutes=60,
        findings="陪阿姨聊天，帮她整理了药盒；厨房灯不亮。", needs_found=["companionship", "repairs"],
        follow_up="下周带灯泡来换")
    visits.record_visit(
        household, worker, visited_on=today - timedelta(days=2), minutes=20, way="phone",
        findings="电话回访：扶手已装好，阿姨说晚上起夜安心多了。", needs_found=[],
        follow_up="", referrals="社区居委会（安装扶手）")
# --- complaints and follow-up calls (issue #17) -------------------------------------------------

#: Three complaints to the first station: one just received, one escalated (nobody accepted it
#: in time), one answered and called back; added only if none is there.
COMPLAINTS = (
    ("重阳节长者义剪活动通知的时间是9点，到了现场10点才开始，老人在门口等了一个小时。",
     "13700000001", None),
    ("社区活动室晚上9点后还有人唱歌，影响休息，希望站点协调一下。", None, "overdue"),
    ("志愿者上门探访时态度很好，但没有提前电话约时间，家里没人。", "13700000002", "closed"),
)


def seed_complaints() -> None:
    from volunteers.complaints import services as complaints
    from volunteers.complaints.models import Complaint
    from volunteers.followups import services as followups

    stations = list(_stations().values())
    if not stations or db.session.scalar(select(Complaint.id).limit(1)) is not None:
        return
    station = stations[0]
    worker = next(iter(_station_workers(station)), None)
    for text, contact, state in COMPLAINTS:
        complaint = complaints.file_complaint(station_id=station.id, text=text, contact=contact)
        if state == "overdue":
            complaint.received_at = now() - timedelta(days=6)
            complaint.due_at = now() - timedelta(days=4)
            db.session.flush()
            complaints.escalate_overdue()
        elif state == "closed" and worker is not None:
            complaints.take_step(complaint, by=worker, step="accept")
            complaints.take_step(complaint, by=worker, step="answer",
                                 note="已提醒志愿者上门前先电话预约，并向您致歉。")
            complaints.take_step(complaint, by=worker, step="follow_up", satisfaction=5,
                                 note="电话回访，居民表示满意。")
    for each in stations:
        followups.queue_month(each.id, followups.last_month())
    db.session.flush()
#: A few households in difficulty on 南沙街道's register (name, called, community, categories,
#: needs, risk, days between visits, days until the next visit is due; negative: overdue).
DEMO_HOUSEHOLDS = (
    ("黄秀英", "黄婆婆", "金洲社区", ["living_alone", "advanced_age"], ["companionship", "safety_check"],
     "high", 14, -3),
    ("梁国强", "梁叔", "金洲社区", ["disability", "dibao"], ["errands", "medical_escort"], "medium", 30, 5),
    ("陈美玲", "陈姐", "港湾社区", ["single_parent", "dishou"], ["tutoring", "paperwork"], "low", 60, 20),
    ("何志明", "何伯", "港湾社区", ["empty_nest", "serious_illness"], ["meals", "medical_escort"],
     "high", 7, 0),
    ("周婉仪", "周阿姨", "南沙社区", ["lost_only_child"], ["counselling", "companionship"],
     "medium", 30, -10),
)


def seed_households() -> None:
    """南沙街道's register of served households, registered by 李志华, and 陈晓敏 paired with
    黄婆婆 for a weekly call (邻里守望结对)."""
    from volunteers.households import services as households
    from volunteers.households.models import Household

    worker = users.get_by_phone(SOCIAL_WORKER_PHONE)
    resident = users.get_by_phone(RESIDENT_PHONE)
    station = _stations().get(DEMO_TOWN)
    if worker is None or station is None:
        return
    today = _today()
    for name, called, community_name, categories, needs, risk, every, due_in in DEMO_HOUSEHOLDS:
        if db.session.scalar(select(Household.id).where(Household.station_id == station.id,
                                                        Household.name == name)) is not None:
            continue
        community = _community(DEMO_TOWN, community_name)
        household = households.create_household(station, {
            "name": name, "called": called, "community_id": community.id,
            "address": f"{community_name}{len(name) + 10}号", "categories": categories,
            "needs": needs, "risk_level": risk, "social_worker_id": worker.id,
            "visit_every_days": every, "next_visit_due": today + timedelta(days=due_in),
            "lawful_basis": "consent", "consent_recorded_at": now() - timedelta(days=40),
            "consent_note": "签署知情同意书，存站"}, by=worker)
        if name == "黄秀英" and resident is not None \
                and db.session.get(VolunteerProfile, resident.id) is not None:
            households.pair(household, volunteer_id=resident.id, rhythm="weekly_call",
                            needs=["companionship", "safety_check"], by=worker)
