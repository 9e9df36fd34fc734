"""Demo group members (`seed.seed` calls `seed_groups`): at 南沙街道's station two caring
companies, a school and a party branch with a few volunteers each. 陈晓敏 is the contact of the
first company, which pledged 20 hours (认捐) and sponsored 5 of them into 金洲社区's pool; some
members share their service with their group; three of the branch's members are party members
who consented. Deterministic, and added only once."""

from sqlalchemy import func, select

from timebank.accounts import services as users
from timebank.consents import services as consents
from timebank.extensions import db
from timebank.org.models import Community, Station
from volunteers.demo.data import (
    DEMO_COMMUNITY,
    DEMO_TOWN,
    RESIDENT_PHONE,
    SOCIAL_WORKER_PHONE,
)
from volunteers.groups import services as groups
from volunteers.groups.models import GroupMember
from volunteers.profiles.models import VolunteerProfile

#: (name, kind, unified social credit code or None, address).
GROUPS = (
    ("南沙金洲爱心科技有限公司", "company", "91440115MA59B1234C", "南沙区金洲大道88号"),
    ("广州港湾物流有限公司", "company", None, "南沙区港前大道12号"),
    ("南沙区金洲小学", "school", None, "南沙区金洲北路3号"),
    ("南沙街道第一党支部", "party_branch", None, "南沙街道办事处"),
)


def seed_groups() -> None:
    if db.session.scalar(select(func.count(GroupMember.id))):
        return
    worker = users.get_by_phone(SOCIAL_WORKER_PHONE)
    resident = users.get_by_phone(RESIDENT_PHONE)
    community = db.session.scalar(select(Community).join(Community.town).where(
        Community.name == DEMO_COMMUNITY, Community.town.has(name=DEMO_TOWN)))
    if worker is None or community is None or community.station is None:
        return
    station: Station = community.station
    made = {}
    for name, kind, code, address in GROUPS:
        data = {"name": name, "kind": kind, "station_id": station.id, "address": address,
                "phone": "020-8468" + str(1000 + len(made))}
        if code:
            data["credit_code"] = code
        made[kind if kind not in made else name] = groups.create_group(data, by=worker)
    volunteers = list(db.session.scalars(
        select(VolunteerProfile).where(VolunteerProfile.community_id.in_(
            [one.id for one in station.town.communities]))
        .order_by(VolunteerProfile.user_id).limit(16)))
    people = [profile.user for profile in volunteers if resident is None
              or profile.user_id != resident.id]
    company, branch, school = made["company"], made["party_branch"], made["school"]
    if resident is not None:
        groups.add_person(company, resident.id, "contact", by=worker)
    for index, person in enumerate(people[:4]):
        membership = groups.add_person(company, person.id, "member", by=worker)
        if index % 2 == 0:
            groups.set_share(membership, person, True)
    for person in people[4:7]:
        groups.add_person(school, person.id, "member", by=worker)
    branch_people = people[7:12]
    if branch_people:
        groups.add_person(branch, branch_people[0].id, "contact", by=worker)
    for index, person in enumerate(branch_people):
        if index > 0:
            groups.add_person(branch, person.id, "member", by=worker)
        if index < 3:
            consents.give(person, consents.PARTY)
            groups.set_party_member(person, True)
    groups.pledge(company, 20 * 60, "2026年度爱心认捐协议（20小时）", by=worker,
                  idempotency_key="demo:group:pledge:1")
    if resident is not None:
        groups.sponsor(company, community, 5 * 60, "重阳敬老，资助困难长者",
                       by=resident, idempotency_key="demo:group:sponsor:1")
    db.session.flush()
