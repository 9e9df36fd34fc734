"""Every flow through HTTP: staff register a group, add its contact and members and record a
pledge (audited); the contact sponsors a pool from 我的团体 and the pool's public page thanks the
group; the member shares or withholds their hours; the 党员 flag and the party-branch report
with its Excel file; and the JSON API with its refusals."""

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from timebank.audit.models import AuditEntry
from timebank.consents import services as consents
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Entry
from volunteers.groups import services as groups
from volunteers.groups.models import GroupMember


def test_staff_register_a_group_add_people_and_record_a_pledge(client, login, station, worker,
                                                               make_user):
    contact = make_user(name="张联系")
    log_in(client, worker)
    assert "团体会员" in page(client, "/station/groups")
    refused = post_form(client, "/station/groups", {"name": "坏码公司", "kind": "company",
                                                    "credit_code": "91440115MA59B12340"})
    assert refused.status_code == 422
    assert "统一社会信用代码" in refused.get_data(as_text=True)
    created = post_form(client, "/station/groups", {"name": "南沙爱心科技有限公司",
                                                    "kind": "company", "phone": "020-84688888"})
    assert created.status_code == 302
    group = db.session.scalar(select(GroupMember))
    assert group.station_id == station.id
    detail = f"/station/groups/{group.id}"
    added = post_form(client, f"{detail}/people", {"phone": contact.phone, "role": "contact"},
                      page=detail)
    assert added.status_code == 302
    post_form(client, f"{detail}/pledges", {"hours": "10", "reason": "2026年认捐协议",
                                            "nonce": "abcdefgh1234"}, page=detail)
    # Pressing twice records the pledge once (the form's nonce is the key).
    post_form(client, f"{detail}/pledges", {"hours": "10", "reason": "2026年认捐协议",
                                            "nonce": "abcdefgh1234"}, page=detail)
    html = page(client, detail)
    assert "张联系" in html and "10小时" in html
    assert groups.balance_of(group) == 600
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"group.create", "group.add_person", "group.pledge"} <= actions


def _funded(station, worker, make_user, make_group, minutes=600):
    group = make_group(station, worker)
    contact = make_user(name="张联系")
    groups.add_person(group, contact.id, "contact", by=worker)
    groups.pledge(group, minutes, "认捐", by=worker, idempotency_key=f"p{group.id}")
    db.session.commit()
    return group, contact


def test_a_contact_sponsors_a_pool_and_the_pool_page_thanks_the_group(
        app, client, login, station, worker, make_user, make_group):
    group, contact = _funded(station, worker, make_user, make_group)
    # A person's donation to the same pool: never thanked by name on the public page.
    donor = make_user(name="林个人")
    community = station.town.communities[0]
    ledger.transfer_between(ledger.adjustments_account(), ledger.member_account(donor), 30,
                            "adjust", idempotency_key="fund-donor")
    pools.donate(donor, community, 30, "", idempotency_key="d")
    db.session.commit()
    log_in(client, contact)
    mine = f"/groups/{group.id}"
    html = page(client, mine)
    assert "南沙爱心科技有限公司" in html and "10 时间币" in html  # where it spends: in coins
    too_much = post_form(client, f"{mine}/sponsor", {"community_id": community.id, "hours": "11",
                                                     "minutes": "0", "nonce": "n1234567890"},
                         page=mine)
    assert too_much.status_code == 409
    assert "南沙爱心科技有限公司" in too_much.get_data(as_text=True)
    assert groups.balance_of(group) == 600
    done = post_form(client, f"{mine}/sponsor", {"community_id": community.id, "hours": "4",
                                                 "minutes": "0", "memo": "重阳敬老",
                                                 "nonce": "n1234567891"}, page=mine)
    assert done.status_code == 302
    assert groups.balance_of(group) == 360 and pools.find_pool(community).balance == 270
    public = app.test_client().get(f"/pools/{community.id}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert "感谢爱心单位" in text and "南沙爱心科技有限公司" in text and "4 时间币" in text
    assert "林个人" not in text and "张联系" not in text
    assert app.test_client().get("/pools/999999").status_code == 404


def test_only_contacts_and_staff_see_the_group_page(app, client, login, station, worker, make_user,
                                                    make_group, make_station, make_staff):
    group, contact = _funded(station, worker, make_user, make_group)
    member = make_user(name="普通成员")
    groups.add_person(group, member.id, "member", by=worker)
    db.session.commit()
    log_in(client, member)
    assert client.get(f"/groups/{group.id}").status_code == 403
    assert client.get("/groups/99999").status_code == 404
    refused = post_form(client, f"/groups/{group.id}/sponsor",
                        {"community_id": station.town.communities[0].id, "hours": "1",
                         "nonce": "n1234567890"}, page="/volunteer/groups")
    assert refused.status_code == 403 and groups.balance_of(group) == 600
    client = app.test_client()
    log_in(client, make_staff(make_station()))
    assert client.get(f"/station/groups/{group.id}").status_code == 403


def test_a_member_shares_or_withholds_their_hours(app, client, login, station, worker, manager,
                                                  make_volunteer, make_user, make_group, serve):
    group, contact = _funded(station, worker, make_user, make_group)
    community = station.town.communities[0]
    sharing, private = make_volunteer(community, name="共享者"), make_volunteer(community,
                                                                              name="保密者")
    groups.add_person(group, sharing.id, "member", by=worker)
    groups.invite(group, private.phone, by=contact)
    db.session.commit()
    serve(station, manager, [sharing, private], minutes=90)
    log_in(client, private)
    html = page(client, "/volunteer/groups")
    assert "南沙爱心科技有限公司" in html
    membership = groups.my_memberships(private)[0]
    assert membership.is_invitation
    post_form(client, f"/volunteer/groups/{membership.id}/accept", {}, page="/volunteer/groups")
    db.session.refresh(membership)
    assert membership.is_live and membership.shares_service_at is None
    client = app.test_client()
    log_in(client, sharing)
    mine = groups.my_memberships(sharing)[0]
    post_form(client, f"/volunteer/groups/{mine.id}/share", {"share": "1"},
              page="/volunteer/groups")
    db.session.refresh(mine)
    assert mine.shares_service_at is not None
    client = app.test_client()
    log_in(client, contact)
    html = page(client, f"/groups/{group.id}?month=2026-12")
    service = html.split('id="service"')[1].split("</section>")[0]
    assert "共享者" in service and "1小时30分" in service
    # The contact and 保密者 do not share: counted, not listed.
    assert "保密者" not in service and "2 位成员未共享服务时长" in service
    client = app.test_client()
    log_in(client, sharing)
    post_form(client, f"/volunteer/groups/{mine.id}/share", {}, page="/volunteer/groups")
    db.session.refresh(mine)
    assert mine.shares_service_at is None
    after = groups.group_service(contact, group, *groups.parse_period("2026-12"))
    assert after.rows == [] and after.not_sharing == 3


def test_the_party_flag_page_refuses_without_consent_and_withdrawal_clears_it(
        client, login, station, make_volunteer):
    volunteer = make_volunteer(station.town.communities[0])
    log_in(client, volunteer)
    html = page(client, "/volunteer/groups")
    assert "我的授权" in html
    post_form(client, "/volunteer/party-member", {"is_party_member": "1"},
              page="/volunteer/groups")
    assert not groups.is_party_member(volunteer)
    consents.give(volunteer, consents.PARTY)
    db.session.commit()
    post_form(client, "/volunteer/party-member", {"is_party_member": "1"},
              page="/volunteer/groups")
    assert groups.is_party_member(volunteer)
    consents.withdraw(volunteer, consents.PARTY)
    db.session.commit()
    assert not groups.is_party_member(volunteer)


def test_the_party_branch_report_page_and_its_excel(app, client, login, station, worker, manager,
                                                    make_volunteer, make_user, make_group, serve):
    branch = make_group(station, worker, name="第一党支部", kind="party_branch")
    secretary = make_user(name="支部书记")
    groups.add_person(branch, secretary.id, "contact", by=worker)
    community = station.town.communities[0]
    wang, zhao = make_volunteer(community, name="王党员"), make_volunteer(community, name="赵群众")
    for person in (wang, zhao):
        groups.add_person(branch, person.id, "member", by=worker)
    consents.give(wang, consents.PARTY)
    groups.set_party_member(wang, True)
    db.session.commit()
    serve(station, manager, [wang, zhao], minutes=120)
    for viewer in (secretary, worker):
        log_in(client, viewer)
        html = page(client, f"/groups/{branch.id}/party-report?month=2026-12")
        assert "王党员" in html and "赵群众" not in html and "2小时" in html
        book = load_workbook(io.BytesIO(client.get(
            f"/groups/{branch.id}/party-report.xlsx?month=2026-12").get_data()))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[2] == ("王党员", 2, 1) and rows[-1][1:] == (2, 1)
        client = app.test_client()
    assert client.get(f"/groups/{branch.id}/party-report?month=2026-13").status_code in (302, 401)
    log_in(client, secretary)
    assert client.get(f"/groups/{branch.id}/party-report?month=2026-13").status_code == 422


def test_the_api_flows_and_refusals(client, api_token, station, worker, make_user, make_group,
                                    make_station, make_staff):
    staff = api_token(worker)
    created = client.post("/api/v1/groups", headers=staff, json={
        "name": "南沙第一中学", "kind": "school", "phone": "13800138000"})
    assert created.status_code == 201, created.get_json()
    group_id = created.get_json()["id"]
    assert created.get_json()["station_id"] == station.id
    assert client.post("/api/v1/groups", headers=staff, json={"name": "x", "kind": "club"}
                       ).status_code == 422
    changed = client.patch(f"/api/v1/groups/{group_id}", headers=staff,
                           json={"name": "南沙第一中学（高中部）"})
    assert changed.status_code == 200
    assert ledger.find_account(keys.group(group_id)).name == "南沙第一中学（高中部）"
    contact, resident = make_user(name="校联系人"), make_user(name="居民")
    added = client.post(f"/api/v1/groups/{group_id}/members", headers=staff,
                        json={"user_id": contact.id, "role": "contact"})
    assert added.status_code == 201 and added.get_json()["role"] == "contact"
    assert client.post(f"/api/v1/groups/{group_id}/members", headers=staff,
                       json={"user_id": contact.id, "role": "contact"}).status_code == 409
    pledge = client.post(f"/api/v1/groups/{group_id}/pledges",
                         headers={**staff, "Idempotency-Key": "pledge-1"},
                         json={"minutes": 300, "reason": "认捐协议"})
    assert pledge.status_code == 201
    again = client.post(f"/api/v1/groups/{group_id}/pledges",
                        headers={**staff, "Idempotency-Key": "pledge-1"},
                        json={"minutes": 300, "reason": "认捐协议"})
    assert again.status_code == 200 and again.get_json()["id"] == pledge.get_json()["id"]
    as_contact = api_token(contact)
    listed = client.get("/api/v1/groups", headers=as_contact).get_json()
    assert [row["id"] for row in listed["items"]] == [group_id]
    assert listed["items"][0]["balance_minutes"] == 300
    assert client.get("/api/v1/groups", headers=api_token(resident)).get_json()["total"] == 0
    assert client.get(f"/api/v1/groups/{group_id}", headers=api_token(resident)).status_code == 403
    assert client.post(f"/api/v1/groups/{group_id}/pledges", headers=as_contact,
                       json={"minutes": 1, "reason": "自己加"}).status_code == 403
    community = station.town.communities[0]
    entries = db.session.scalar(select(func.count(Entry.id)))
    short = client.post(f"/api/v1/groups/{group_id}/sponsorships",
                        headers={**as_contact, "Idempotency-Key": "s-0"},
                        json={"community_id": community.id, "minutes": 301, "memo": ""})
    assert short.status_code == 409 and short.get_json()["error"]["code"] == "group_insufficient"
    assert db.session.scalar(select(func.count(Entry.id))) == entries
    sponsored = client.post(f"/api/v1/groups/{group_id}/sponsorships",
                            headers={**as_contact, "Idempotency-Key": "s-1"},
                            json={"community_id": community.id, "minutes": 120, "memo": "助老"})
    assert sponsored.status_code == 201 and sponsored.get_json()["kind"] == "sponsor"
    repeated = client.post(f"/api/v1/groups/{group_id}/sponsorships",
                           headers={**as_contact, "Idempotency-Key": "s-1"},
                           json={"community_id": community.id, "minutes": 120, "memo": "助老"})
    assert repeated.status_code == 200
    assert client.post(f"/api/v1/groups/{group_id}/sponsorships", headers=api_token(resident),
                       json={"community_id": community.id, "minutes": 1}).status_code == 403
    assert client.get(f"/api/v1/groups/{group_id}", headers=as_contact).get_json()[
        "balance_minutes"] == 180
    service = client.get(f"/api/v1/groups/{group_id}/service?month=2026-12", headers=as_contact)
    assert service.status_code == 200 and service.get_json()["not_sharing"] == 1
    assert client.get(f"/api/v1/groups/{group_id}/party-report?month=2026-12",
                      headers=as_contact).status_code == 409
    assert client.get(f"/api/v1/groups/{group_id}/service?month=12-2026",
                      headers=as_contact).status_code == 422
    stranger = api_token(make_staff(make_station()))
    assert client.patch(f"/api/v1/groups/{group_id}", headers=stranger,
                        json={"name": "x"}).status_code == 403
    assert client.get("/api/v1/groups/999999", headers=staff).status_code == 404
    assert ledger_queries.verify() == []
