"""The rules of group members: registering with a checked credit code, people and the share
consent, pledges and sponsorships through the ledger (verified), the 党员 flag under its
consent, and the party-branch report against hand-worked figures."""

from datetime import date

import pytest
from sqlalchemy import select

from timebank.audit.models import AuditEntry
from timebank.consents import services as consents
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Entry, Transfer, TransferKind
from volunteers.groups import services as groups
from volunteers.profiles.models import VolunteerProfile


def valid_code() -> str:
    """A unified social credit code with its check character worked out (GB 32100-2015)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    body = "91440115MA59B1234"
    total = sum(alphabet.index(char) * weight for char, weight in zip(body, weights, strict=True))
    return body + alphabet[(31 - total % 31) % 31]


def test_the_credit_code_is_checked_by_its_check_character(station, worker):
    code = valid_code()
    group = groups.create_group({"name": "南沙爱心企业", "kind": "company", "credit_code":
                                 code.lower(), "station_id": station.id}, by=worker)
    assert group.credit_code == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as refused:
        groups.create_group({"name": "另一家", "kind": "company", "credit_code": wrong,
                             "station_id": station.id}, by=worker)
    assert "credit_code" in refused.value.fields
    with pytest.raises(Conflict):
        groups.create_group({"name": "同码", "kind": "company", "credit_code": code,
                             "station_id": station.id}, by=worker)
    with pytest.raises(InvalidInput):
        groups.create_group({"name": "x", "kind": "club", "station_id": station.id}, by=worker)
    assert ledger.find_account(keys.group(group.id)).name == "南沙爱心企业"


def test_only_the_station_staff_register_and_add_people(station, worker, make_station, make_staff,
                                                        make_user, make_group):
    other = make_staff(make_station())
    with pytest.raises(PermissionDenied):
        groups.create_group({"name": "x", "kind": "school", "station_id": station.id}, by=other)
    group = make_group(station, worker)
    person = make_user(name="张联系")
    with pytest.raises(PermissionDenied):
        groups.add_person(group, person.id, "contact", by=other)
    groups.add_person(group, person.id, "contact", by=worker)
    with pytest.raises(Conflict):
        groups.add_person(group, person.id, "contact", by=worker)
    assert groups.is_contact(person, group)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"group.create", "group.add_person"} <= actions


def test_pledge_sponsorship_and_grant_move_through_the_ledger_and_verify(
        station, worker, make_user, make_group):
    group = make_group(station, worker)
    contact = make_user(name="张联系")
    resident = make_user(name="困难户")
    groups.add_person(group, contact.id, "contact", by=worker)
    community = station.town.communities[0]
    groups.pledge(group, 600, "2026年认捐协议", by=worker, idempotency_key="pledge-1")
    groups.sponsor(group, community, 240, "重阳敬老", by=contact, idempotency_key="sponsor-1")
    pools.grant(community, resident, 90, "hardship", "独居困难长者", by=worker,
                idempotency_key="grant-1")
    db.session.commit()
    # By hand: the issuer -600; the group +600 -240 = 360; the pool +240 -90 = 150; the
    # resident +90; the sum is zero.
    assert ledger.find_account(keys.DISTRICT_SPONSORSHIPS).balance == -600
    assert groups.balance_of(group) == 360
    assert pools.find_pool(community).balance == 150
    assert ledger.find_member_account(resident).balance == 90
    assert ledger_queries.verify() == []
    assert pools.sponsors(community) == [("南沙爱心科技有限公司", 240)]
    sponsorship = db.session.scalar(select(Transfer).where(Transfer.kind == TransferKind.SPONSOR))
    labels = {entry.account.key: entry.label for entry in sponsorship.entries}
    assert labels == {keys.group(group.id): "爱心资助支出",
                      keys.community_pool(community.id): "收到爱心资助"}


def test_a_sponsorship_above_the_balance_is_refused_and_changes_nothing(
        station, worker, make_user, make_group):
    group = make_group(station, worker)
    contact = make_user()
    groups.add_person(group, contact.id, "contact", by=worker)
    groups.pledge(group, 60, "认捐", by=worker, idempotency_key="p")
    db.session.commit()
    entries = db.session.scalar(select(db.func.count(Entry.id)))
    with pytest.raises(ledger.InsufficientBalance) as refused:
        groups.sponsor(group, station.town.communities[0], 61, "", by=contact,
                       idempotency_key="too-much")
    assert refused.value.status == 409 and "南沙爱心科技有限公司" in refused.value.message
    db.session.rollback()
    assert groups.balance_of(group) == 60
    assert db.session.scalar(select(db.func.count(Entry.id))) == entries
    assert pools.find_pool(station.town.communities[0]) is None or \
        pools.find_pool(station.town.communities[0]).balance == 0


def test_a_sponsorship_repeated_by_key_happens_once_and_only_a_contact_sponsors(
        station, worker, make_user, make_group):
    group = make_group(station, worker)
    contact, member = make_user(), make_user()
    groups.add_person(group, contact.id, "contact", by=worker)
    groups.add_person(group, member.id, "member", by=worker)
    groups.pledge(group, 300, "认捐", by=worker, idempotency_key="p")
    community = station.town.communities[1]
    first = groups.sponsor(group, community, 100, "", by=contact, idempotency_key="k")
    again = groups.sponsor(group, community, 100, "", by=contact, idempotency_key="k")
    assert again.id == first.id and again.replayed
    assert groups.balance_of(group) == 200
    with pytest.raises(PermissionDenied):
        groups.sponsor(group, community, 10, "", by=member, idempotency_key="m")
    with pytest.raises(PermissionDenied):
        groups.pledge(group, 10, "认捐", by=contact, idempotency_key="c")


def test_the_group_sees_hours_only_of_members_who_share(station, worker, manager, make_volunteer,
                                                        make_group, serve):
    group = make_group(station, worker)
    community = station.town.communities[0]
    sharing, private = make_volunteer(community, name="共享者"), make_volunteer(community, name="保密者")
    for person in (sharing, private):
        groups.add_person(group, person.id, "member", by=worker)
    serve(station, manager, [sharing, private], minutes=90)
    mine = groups.live_membership(group, sharing)
    groups.set_share(mine, sharing, True)
    db.session.commit()
    service = groups.group_service(worker, group, date(2026, 12, 1), date(2026, 12, 31))
    assert [(row.user.name, row.minutes, row.activities) for row in service.rows] == \
        [("共享者", 90, 1)]
    assert service.not_sharing == 1
    groups.set_share(mine, sharing, False)
    service = groups.group_service(worker, group, date(2026, 12, 1), date(2026, 12, 31))
    assert service.rows == [] and service.not_sharing == 2
    with pytest.raises(PermissionDenied):
        groups.group_service(private, group, date(2026, 12, 1), date(2026, 12, 31))


def test_the_party_flag_needs_its_consent_and_withdrawing_clears_it(station, make_volunteer):
    volunteer = make_volunteer(station.town.communities[0])
    with pytest.raises(Conflict) as refused:
        groups.set_party_member(volunteer, True)
    assert refused.value.code == "consent_required"
    assert not groups.is_party_member(volunteer)
    consents.give(volunteer, consents.PARTY)
    groups.set_party_member(volunteer, True)
    db.session.commit()
    assert db.session.get(VolunteerProfile, volunteer.id).is_party_member is True
    consents.withdraw(volunteer, consents.PARTY)
    db.session.commit()
    assert db.session.get(VolunteerProfile, volunteer.id).is_party_member is False


def test_the_party_branch_report_equals_the_hand_worked_figures(
        station, worker, manager, make_volunteer, make_group, serve):
    branch = make_group(station, worker, name="南沙街第一党支部", kind="party_branch")
    community = station.town.communities[0]
    wang, li, zhao, qian = (make_volunteer(community, name=name)
                            for name in ("王党员", "李党员", "赵群众", "钱撤回"))
    for person in (wang, li, zhao, qian):
        groups.add_person(branch, person.id, "member", by=worker)
    for person in (wang, li, qian):
        consents.give(person, consents.PARTY)
        groups.set_party_member(person, True)
    consents.withdraw(qian, consents.PARTY)  # the flag goes with the consent
    db.session.commit()
    # Wang: 90 + 120 minutes in December (two activities); Li: 60 in December and 45 in
    # November (outside the month); Zhao and Qian: not listed at all.
    serve(station, manager, [wang, li, zhao, qian], days_ago=3, minutes=90, title="一")
    serve(station, manager, [wang], days_ago=6, minutes=120, title="二")
    db.session.commit()
    serve(station, manager, [li], days_ago=8, minutes=60, title="三")
    serve(station, manager, [li], days_ago=30, minutes=45, title="四")
    report = groups.party_report(worker, branch, *groups.parse_period("2026-12"))
    rows = [(row.user.name, row.minutes, row.activities) for row in report.rows]
    assert rows == [("王党员", 210, 2), ("李党员", 150, 2)]
    assert report.total_minutes == 360 and report.total_activities == 4
    november = groups.party_report(worker, branch, date(2026, 11, 1), date(2026, 11, 30))
    assert [(row.user.name, row.minutes) for row in november.rows] == [("李党员", 45),
                                                                       ("王党员", 0)]
    company = make_group(station, worker, name="某公司")
    with pytest.raises(Conflict):
        groups.party_report(worker, company, date(2026, 12, 1), date(2026, 12, 31))


def test_periods_are_read_or_refused():
    assert groups.parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert groups.parse_period(None, "2026-01-05", "2026-03-01") == (date(2026, 1, 5),
                                                                     date(2026, 3, 1))
    for bad in ("2026-13", "26-01", "x"):
        with pytest.raises(InvalidInput):
            groups.parse_period(bad)
    with pytest.raises(InvalidInput):
        groups.parse_period(None, "2026-03-01", "2026-01-01")


def test_a_member_gives_hours_to_their_group_and_an_outsider_cannot(station, worker, make_user,
                                                                    make_group):
    group = make_group(station, worker)
    member, outsider = make_user(name="成员"), make_user(name="外人")
    groups.add_person(group, member.id, "member", by=worker)
    for person in (member, outsider):
        ledger.transfer_between(ledger.adjustments_account(), ledger.member_account(person), 120,
                                TransferKind.ADJUST, idempotency_key=f"fund:{person.id}")
    gift = groups.give(group, member, 60, "支持公司做公益", idempotency_key="gift-1")
    assert groups.balance_of(group) == 60 and ledger.member_account(member).balance == 60
    labels = {entry.account.key: entry.label for entry in gift.entries}
    assert labels == {keys.member(member.id): "赠予团体", keys.group(group.id): "成员赠送"}
    with pytest.raises(PermissionDenied):
        groups.give(group, outsider, 60, "", idempotency_key="gift-2")
    with pytest.raises(ledger.InsufficientBalance):
        groups.give(group, member, 61, "", idempotency_key="gift-3")
    assert ledger_queries.verify() == []
