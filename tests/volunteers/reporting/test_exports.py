"""Staff exports through HTTP and the CLI: Excel files opened with openpyxl and CSV files read
with the csv module, their headers, and their figures checked against the database.

The data: two stations, activities in March and April 2026 under three themes, check-ins
approved as scanned (信用时, a reduction by hand included) or added to by hand (荣誉时), one
rejected, one left open, one approved and then reversed in the ledger, a no-show and a cancelled
activity. The expected figures are written out by hand below, and the hour totals are also summed
in Python from the check-in rows themselves.
"""

import csv
import io
from datetime import datetime
from types import GeneratorType
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local
from timebank.extensions import db
from timebank.ledger import services as ledger
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn
from volunteers.reporting import exports
from volunteers.reporting.filters import ReportFilters
from volunteers.themes.models import Theme

SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "440115199001011231"
MASKED = "4401**********1231"

VOLUNTEER_HEADERS = [
    "Volunteer number", "Name", "Gender", "ID number (masked)", "Mobile number", "Community",
    "Station", "Registered on", "Consent to use skills and availability", "Skills",
    "Linked social worker", "Activities with approved hours", "Scanned minutes",
    "Honour minutes", "Total hours"]
ACTIVITY_HEADERS = [
    "Activity number", "Title", "Theme", "Station", "Community", "Place", "Starts at", "Ends at",
    "Status", "Places", "Confirmed sign-ups", "Checked in", "No-shows",
    "Approved scanned minutes", "Approved honour minutes"]
CHECKIN_HEADERS = [
    "Check-in number", "Activity", "Activity date", "Station", "Volunteer name",
    "How it was recorded", "Status", "Checked in at", "Checked out at", "Minutes",
    "Scanned minutes", "Honour minutes", "Changed by hand", "Reversed in the ledger",
    "Decided by", "Reason for the decision", "Evaluation"]
HOUR_HEADERS = [
    "Station", "Month", "Activities held", "Volunteers served", "Approved check-ins",
    "Scanned minutes", "Honour minutes", "Total minutes", "Total hours"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def world(make_station, make_staff, make_user, make_volunteer, make_activity):
    a, b = make_station(name="金洲街道"), make_station(name="黄阁镇")
    worker_a, worker_b = make_staff(a, name="李社工"), make_staff(b, name="王社工")
    manager_b = make_staff(b, Role.STATION_MANAGER, name="黄主管")
    admin = make_user(Role.DISTRICT_ADMIN, name="黄主任")
    resident = make_user(name="梁伯")
    march_a = Theme(station_id=a.id, year=2026, month=3, title="敬老月", tags=[])
    march_district = Theme(station_id=None, year=2026, month=3, title="环保月", tags=[])
    april_district = Theme(station_id=None, year=2026, month=4, title="助残月", tags=[])
    db.session.add_all([march_a, march_district, april_district])
    db.session.commit()

    v1 = make_volunteer(a.town.communities[0], name="陈晓敏", gender="female",
                        id_number=ID_NUMBER, consent=True, skills=["first_aid"],
                        skills_other="剪纸")
    v2 = make_volunteer(a.town.communities[1], name="周敏")
    v3 = make_volunteer(b.town.communities[0], name="何伟")
    homeless = make_volunteer(None, name="无社区")

    def activity(station, by, title, start, hours, theme=None, **fields):
        return make_activity(station, by, title=title, start=start, hours=hours,
                             theme_id=theme.id if theme else None, allow_walk_ins=True,
                             place="活动室", **fields)

    a1 = activity(a, worker_a, "长者探访", "2026-03-10T09:00", 2, march_a)
    a2 = activity(a, worker_a, "河涌清洁", "2026-03-20T14:00", 2, march_district)
    a3 = activity(a, worker_a, "助残陪伴", "2026-04-05T09:00", 3, april_district)
    a4 = activity(b, worker_b, "垃圾分类宣传", "2026-03-15T09:00", 2, march_district)
    a5 = activity(a, worker_a, "取消的活动", "2026-04-25T09:00", 2, status="cancelled")
    a6 = activity(b, worker_b, "助残探访", "2026-04-12T10:00", 1, april_district)

    def serve(activity, volunteer, start, end=None, **decision):
        checkin, _created = checkins.check_in(activity, volunteer, at=at(start))
        if end:
            checkins.check_out(checkin, activity, at=at(end))
        if "reject" in decision:
            checkins.reject(checkin, by=decision["by"], reason=decision["reject"])
        elif "by" in decision:
            checkins.approve(checkin, by=decision["by"], minutes=decision.get("minutes"),
                             reason=decision.get("reason"))
        db.session.commit()
        return checkin

    serve(a1, v1, "2026-03-10T09:00", "2026-03-10T11:00", by=worker_a)                 # 120 scanned
    serve(a1, v2, "2026-03-10T09:10", "2026-03-10T10:40", by=worker_a, minutes=60,
          reason="中途离开")                                                  # 60 scanned (reduced)
    serve(a2, v1, "2026-03-20T14:00", "2026-03-20T16:00", by=worker_a)                 # 120 scanned
    serve(a2, v3, "2026-03-20T14:00", "2026-03-20T16:00", by=worker_a, reject="未到场")
    serve(a3, v2, "2026-04-05T09:00")                                                  # left open
    reversed_ = serve(a3, v1, "2026-04-05T09:00", "2026-04-05T12:00", by=worker_a)     # reversed
    ledger.reverse(db.session.get(ledger.Transfer, reversed_.transfer_id), "重复录入",
                   posted_by=admin)
    serve(a4, v3, "2026-03-15T09:00", "2026-03-15T11:00", by=worker_b)                 # 120 scanned
    serve(a4, v1, "2026-03-15T10:00", "2026-03-15T11:00", by=manager_b, minutes=90,
          reason="签到迟扫")                                        # 60 scanned and 30 honour
    serve(a6, v3, "2026-04-12T10:00", "2026-04-12T11:00", by=worker_b)                 # 60 scanned
    db.session.add(SignUp(activity_id=a1.id, user_id=v3.id, status="confirmed",
                          attendance="no_show"))
    db.session.commit()
    return {
        "a": a, "b": b, "worker_a": worker_a, "worker_b": worker_b, "admin": admin,
        "resident": resident, "v1": v1, "v2": v2, "v3": v3, "homeless": homeless,
        "themes": {"march_a": march_a, "march_district": march_district,
                   "april_district": april_district},
        "activities": [a1, a2, a3, a4, a5, a6],
    }


@pytest.fixture
def as_user(client, login):
    """Log `user` in and switch the pages to English (the new headers' catalog entries come
    with the lead's merge; English is the source language, so these checks hold either way)."""
    def log_in(user, english=True):
        login(user)
        if english:
            client.get("/lang/en")
        return client

    return log_in


def get(client, url: str):
    """Download `url`, reading a streamed body inside the request's own context (the test client
    runs each request in a fresh context, and a streamed body is read within it)."""
    return client.get(url, buffered=True)


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.freeze_panes == "A2"  # the headers stay in view
    return list(sheet.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # so Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def by_first(rows) -> dict:
    return {row[0]: row for row in rows}


def approved_minutes(*, station=None, month=None, theme=None, part=None) -> int:
    """Minutes of approved, unreversed check-ins, summed in Python from the rows themselves:
    all, or their ``scanned`` or ``honour`` part."""
    reversed_ids = set(db.session.scalars(select(ledger.Transfer.reverses_id)
                                          .where(ledger.Transfer.reverses_id.is_not(None))))
    total = 0
    for checkin in db.session.scalars(select(CheckIn)):
        activity = checkin.activity
        starts = local(activity.starts_at)
        if (checkin.status != "approved" or checkin.transfer_id in reversed_ids
                or (station is not None and activity.station_id != station.id)
                or (month is not None and (starts.year, starts.month) != month)
                or (theme is not None and activity.theme_id != theme.id)):
            continue
        total += {None: checkin.minutes, "scanned": checkin.scanned_minutes,
                  "honour": checkin.honour_minutes}[part]
    return total


# --- hours per station and month --------------------------------------------------------------

def test_hours_per_station_and_month_in_excel_match_the_database(as_user, world):
    client = as_user(world["admin"])
    rows = xlsx_rows(get(client, "/reports/exports/hours.xlsx?from=2026-03&to=2026-04"))
    assert list(rows[0]) == HOUR_HEADERS
    a, b = world["a"].name, world["b"].name
    assert rows[1:] == [
        (a, "2026-03", 2, 2, 3, 300, 0, 300, 5.0),  # 周敏's reduction stays scanned time
        (b, "2026-03", 1, 2, 2, 180, 30, 210, 3.5),
        (a, "2026-04", 1, 0, 0, 0, 0, 0, 0.0),  # a5 was cancelled; a3's hours were reversed
        (b, "2026-04", 1, 1, 1, 60, 0, 60, 1.0),
        ("Total", "2026-03–2026-04", 5, 3, 6, 540, 30, 570, 9.5),
    ]
    for station, month, *figures in rows[1:-1]:
        where = world["a"] if station == a else world["b"]
        number = (2026, int(month[-2:]))
        assert figures[3] == approved_minutes(station=where, month=number, part="scanned")
        assert figures[4] == approved_minutes(station=where, month=number, part="honour")
    total = rows[-1]
    assert total[5] == sum(row[5] for row in rows[1:-1]) == approved_minutes(part="scanned")
    assert total[6] == sum(row[6] for row in rows[1:-1]) == approved_minutes(part="honour")
    assert total[8] == round(approved_minutes() / 60, 1)


def test_hours_cover_the_activities_months_when_no_month_is_given(as_user, world):
    client = as_user(world["admin"])
    rows = xlsx_rows(get(client, "/reports/exports/hours.xlsx"))
    assert [(row[0], row[1]) for row in rows[1:-1]] == [
        (world["a"].name, "2026-03"), (world["b"].name, "2026-03"),
        (world["a"].name, "2026-04"), (world["b"].name, "2026-04")]
    assert rows[-1][0] == "Total" and rows[-1][7] == 570


def test_hours_filtered_by_station_theme_and_month(as_user, world):
    client = as_user(world["admin"])
    b = world["b"]
    rows = xlsx_rows(get(client, f"/reports/exports/hours.xlsx?station_id={b.id}"))
    assert [row[:2] for row in rows[1:-1]] == [(b.name, "2026-03"), (b.name, "2026-04")]
    assert rows[-1][2:] == (2, 2, 3, 240, 30, 270, 4.5)

    theme = world["themes"]["march_district"]
    rows = xlsx_rows(get(client, f"/reports/exports/hours.xlsx?theme_id={theme.id}"))
    assert rows[1:] == [
        (world["a"].name, "2026-03", 1, 1, 1, 120, 0, 120, 2.0),
        (b.name, "2026-03", 1, 2, 2, 180, 30, 210, 3.5),
        ("Total", "2026-03–2026-03", 2, 2, 3, 300, 30, 330, 5.5),
    ]
    assert rows[-1][5] == approved_minutes(theme=theme, part="scanned")

    rows = xlsx_rows(get(client, "/reports/exports/hours.xlsx?month=2026-04"))
    assert [row[1] for row in rows[1:]] == ["2026-04", "2026-04", "2026-04–2026-04"]
    assert rows[-1][2:] == (2, 1, 1, 60, 0, 60, 1.0)


# --- volunteers -------------------------------------------------------------------------------

def test_volunteers_in_excel_with_masked_id_numbers_and_hours_apart(as_user, world):
    client = as_user(world["admin"])
    rows = xlsx_rows(get(client, "/reports/exports/volunteers.xlsx"))
    assert list(rows[0]) == VOLUNTEER_HEADERS
    v1, v2, v3 = world["v1"], world["v2"], world["v3"]
    found = by_first(rows[1:])
    assert set(found) == {f"NS{user.id:06d}" for user in (v1, v2, v3, world["homeless"])}
    registered = local(v1.created_at).replace(tzinfo=None, hour=0, minute=0, second=0,
                                              microsecond=0)
    assert found[f"NS{v1.id:06d}"] == (
        f"NS{v1.id:06d}", "陈晓敏", "Female", MASKED, v1.phone[:3] + "****" + v1.phone[-4:],
        "第1社区", world["a"].name,
        registered, "Yes", "First aid, 剪纸", "李社工", 3, 300, 30, 5.5)
    assert found[f"NS{v2.id:06d}"][8:] == ("No", None, "李社工", 1, 60, 0, 1.0)
    assert found[f"NS{v3.id:06d}"][5:] == ("第1社区", world["b"].name, registered, "No", None,
                                           "王社工", 2, 180, 0, 3.0)
    homeless = found[f"NS{world['homeless'].id:06d}"]
    assert homeless[5:7] == (None, None) and homeless[11:] == (0, 0, 0, 0.0)
    assert ID_NUMBER not in repr(rows) and v1.phone not in repr(rows)
    assert sum(row[12] for row in rows[1:]) == approved_minutes(part="scanned")
    assert sum(row[13] for row in rows[1:]) == approved_minutes(part="honour")


def test_volunteers_hours_follow_the_month_and_theme_filters(as_user, world):
    client = as_user(world["admin"])
    v1, v3 = world["v1"], world["v3"]
    march = by_first(xlsx_rows(get(client, "/reports/exports/volunteers.xlsx?month=2026-03"))[1:])
    assert march[f"NS{v3.id:06d}"][11:] == (1, 120, 0, 2.0)  # April's hour is left out
    assert march[f"NS{v1.id:06d}"][11:] == (3, 300, 30, 5.5)
    theme = world["themes"]["march_district"]
    themed = by_first(xlsx_rows(get(client,
        f"/reports/exports/volunteers.xlsx?theme_id={theme.id}"))[1:])
    assert themed[f"NS{v1.id:06d}"][11:] == (2, 180, 30, 3.5)
    assert themed[f"NS{world['v2'].id:06d}"][11:] == (0, 0, 0, 0.0)
    assert len(themed) == 4  # the filters choose hours, not volunteers


# --- activities and check-ins -----------------------------------------------------------------

def test_activities_in_excel_with_sign_ups_no_shows_and_minutes(as_user, world):
    client = as_user(world["admin"])
    rows = xlsx_rows(get(client, "/reports/exports/activities.xlsx?from=2026-03&to=2026-04"))
    assert list(rows[0]) == ACTIVITY_HEADERS
    a1, a2, a3, a4, a5, a6 = world["activities"]
    assert [row[0] for row in rows[1:]] == [a1.id, a4.id, a2.id, a3.id, a6.id, a5.id]
    found = by_first(rows[1:])
    assert found[a1.id] == (
        a1.id, "长者探访", "敬老月", world["a"].name, "第1社区", "活动室",
        datetime(2026, 3, 10, 9, 0), datetime(2026, 3, 10, 11, 0), "Published", 5,
        3, 2, 1, 180, 0)
    assert found[a2.id][9:] == (5, 2, 2, 0, 120, 0)
    assert found[a3.id][9:] == (5, 2, 2, 0, 0, 0)  # one open, one reversed
    assert found[a4.id][9:] == (5, 2, 2, 0, 180, 30)
    assert found[a5.id][8:] == ("Cancelled", 5, 0, 0, 0, 0, 0)
    assert found[a6.id][2:4] == ("助残月", world["b"].name)
    assert sum(row[13] for row in rows[1:]) == approved_minutes(part="scanned") == 540
    assert sum(row[14] for row in rows[1:]) == approved_minutes(part="honour") == 30


def test_check_ins_in_excel_with_status_decisions_and_reversals(as_user, world):
    client = as_user(world["admin"])
    rows = xlsx_rows(get(client, "/reports/exports/checkins.xlsx"))
    assert list(rows[0]) == CHECKIN_HEADERS
    assert len(rows) - 1 == len(db.session.scalars(select(CheckIn)).all()) == 9
    a1 = world["activities"][0]
    first = rows[1]
    assert first[1:] == ("长者探访", datetime(2026, 3, 10), world["a"].name, "陈晓敏",
                         "Scanned the event code", "Approved", datetime(2026, 3, 10, 9, 0),
                         datetime(2026, 3, 10, 11, 0), 120, 120, 0, "No", "No", "李社工", None,
                         None)
    assert first[0] == db.session.scalar(select(CheckIn.id).where(
        CheckIn.activity_id == a1.id, CheckIn.user_id == world["v1"].id))
    by_volunteer_and_activity = {(row[4], row[1]): row for row in rows[1:]}
    assert by_volunteer_and_activity[("周敏", "长者探访")][6:] == (
        "Approved", datetime(2026, 3, 10, 9, 10), datetime(2026, 3, 10, 10, 40), 60, 60, 0, "Yes",
        "No", "李社工", "中途离开", None)  # a reduction by hand stays scanned time (信用时)
    assert by_volunteer_and_activity[("陈晓敏", "垃圾分类宣传")][9:13] == (90, 60, 30, "Yes")
    assert by_volunteer_and_activity[("何伟", "河涌清洁")][6] == "Rejected"
    assert by_volunteer_and_activity[("何伟", "河涌清洁")][15] == "未到场"
    assert by_volunteer_and_activity[("周敏", "助残陪伴")][6:10] == (
        "Checked in", datetime(2026, 4, 5, 9, 0), None, None)
    assert by_volunteer_and_activity[("陈晓敏", "助残陪伴")][12:14] == ("No", "Yes")
    counted = [row for row in rows[1:] if row[6] == "Approved" and row[13] == "No"]
    assert sum(row[9] for row in counted) == approved_minutes() == 570


@pytest.mark.parametrize("dataset", ["volunteers", "activities", "checkins", "hours"])
def test_csv_holds_the_same_rows_as_excel(as_user, world, dataset):
    client = as_user(world["admin"])
    query = "?from=2026-03&to=2026-04"
    excel = xlsx_rows(get(client, f"/reports/exports/{dataset}.xlsx{query}"))
    text = csv_rows(get(client, f"/reports/exports/{dataset}.csv{query}"))
    date_columns = {"Registered on", "Activity date"}

    def as_text(header, value):
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat() if header in date_columns \
                else value.strftime("%Y-%m-%d %H:%M")
        if header == "Total hours":  # Excel keeps 1.0 as the number 1
            return f"{value:.1f}"
        return str(value)

    headers = text[0]
    assert headers == list(excel[0])
    assert text[1:] == [[as_text(header, value) for header, value in zip(headers, row, strict=True)]
                        for row in excel[1:]]


def test_spreadsheet_formulas_in_names_stay_text(as_user, world, make_volunteer):
    sneaky = make_volunteer(world["a"].town.communities[0], name="=HYPERLINK(\"http://x\")")
    client = as_user(world["admin"])
    workbook = load_workbook(io.BytesIO(get(client, "/reports/exports/volunteers.xlsx").data))
    cell = next(row[1] for row in workbook.worksheets[0].iter_rows()
                if row[0].value == f"NS{sneaky.id:06d}")
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"
    rows = by_first(csv_rows(get(client, "/reports/exports/volunteers.csv"))[1:])
    assert rows[f"NS{sneaky.id:06d}"][1] == "'=HYPERLINK(\"http://x\")"


# --- who sees what ----------------------------------------------------------------------------

def test_a_social_worker_exports_only_their_station_and_gets_403_for_another(as_user, world):
    client = as_user(world["worker_a"])
    volunteers = by_first(xlsx_rows(get(client, "/reports/exports/volunteers.xlsx"))[1:])
    assert set(volunteers) == {f"NS{world['v1'].id:06d}", f"NS{world['v2'].id:06d}"}
    activities = csv_rows(get(client, "/reports/exports/activities.csv"))[1:]
    assert {row[3] for row in activities} == {world["a"].name}
    hours = xlsx_rows(get(client, "/reports/exports/hours.xlsx"))
    assert {row[0] for row in hours[1:-1]} == {world["a"].name}
    assert hours[-1][2:] == (3, 2, 3, 300, 0, 300, 5.0)
    own = get(client, f"/reports/exports/checkins.xlsx?station_id={world['a'].id}")
    assert own.status_code == 200
    assert get(client, f"/reports/exports/checkins.xlsx?station_id={world['b'].id}").status_code \
        == 403
    assert get(client, f"/reports/exports/?station_id={world['b'].id}").status_code == 403


def test_residents_get_403_and_visitors_are_sent_to_log_in(client, as_user, world):
    assert get(client, "/reports/exports/hours.xlsx").status_code == 302
    client = as_user(world["resident"])
    assert get(client, "/reports/exports/").status_code == 403
    assert get(client, "/reports/exports/hours.xlsx").status_code == 403
    assert get(client, "/reports/exports/volunteers.csv").status_code == 403


def test_the_district_administrator_sees_every_station(as_user, world):
    client = as_user(world["admin"])
    activities = csv_rows(get(client, "/reports/exports/activities.csv"))[1:]
    assert {row[3] for row in activities} == {world["a"].name, world["b"].name}
    page = get(client, "/reports/exports/").get_data(as_text=True)
    assert "All stations" in page and world["a"].name in page and world["b"].name in page


def test_a_bad_month_is_refused_with_a_clear_message(as_user, world):
    client = as_user(world["admin"], english=False)
    response = get(client, "/reports/exports/hours.csv?month=2026-13")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "请按 YYYY-MM 格式填写月份。" in page
    assert 'value="hours" checked' in page and 'value="csv" checked' in page
    response = get(client, "/reports/exports/?from=2026-05&to=2026-03")
    assert response.status_code == 422
    assert "结束月份早于开始月份。" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.export")) \
        is None


def test_unknown_datasets_and_formats_are_404(as_user, world):
    client = as_user(world["admin"])
    assert get(client, "/reports/exports/ledger.xlsx").status_code == 404
    assert get(client, "/reports/exports/hours.pdf").status_code == 404
    assert get(client, "/reports/exports/hours").status_code == 404


# --- the download itself ----------------------------------------------------------------------

def test_each_export_is_audited_and_named_after_its_filters(as_user, world):
    client = as_user(world["worker_a"])
    a = world["a"]
    theme = world["themes"]["march_a"]
    response = get(client, f"/reports/exports/checkins.xlsx?month=2026-03&theme_id={theme.id}")
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="checkins-2026-03-station{a.id}-theme{theme.id}.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.data)
    csv_response = get(client, "/reports/exports/hours.csv?from=2026-03&to=2026-04")
    assert csv_response.headers["Content-Disposition"] == \
        f'attachment; filename="hours-2026-03_2026-04-station{a.id}.csv"'
    assert "Content-Length" not in csv_response.headers  # streamed as it is written
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.export")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.subject, e.details) for e in entries] == [
        (world["worker_a"].id, "export:checkins",
         {"dataset": "checkins", "format": "xlsx",
          "filters": {"from": "2026-03", "to": "2026-03", "station_id": a.id,
                      "theme_id": theme.id}}),
        (world["worker_a"].id, "export:hours",
         {"dataset": "hours", "format": "csv",
          "filters": {"from": "2026-03", "to": "2026-04", "station_id": a.id}}),
    ]


def test_csv_is_sent_in_chunks_as_the_rows_are_read(app, world, monkeypatch):
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 2)
    with app.test_request_context():
        chunks = exports.csv_chunks(exports.DATASETS["checkins"], ReportFilters())
        assert isinstance(chunks, GeneratorType)
        first = next(chunks)
        assert first.startswith("\ufeff") and len(list(csv.reader(io.StringIO(first)))) == 3
        rest = list(chunks)
    assert len(rest) == 4  # nine rows: two a chunk, then the last one
    assert len(list(csv.reader(io.StringIO(first + "".join(rest))))) == 10


def test_headers_are_in_chinese_by_default(as_user, world):
    client = as_user(world["admin"], english=False)
    header = xlsx_rows(get(client, "/reports/exports/volunteers.xlsx"))[0]
    assert {"姓名", "性别", "村居", "社工站", "技能"} <= set(header)
    assert "社工站" in csv_rows(get(client, "/reports/exports/hours.csv"))[0]


# --- the page ---------------------------------------------------------------------------------

def test_the_page_shows_a_social_worker_their_station_and_themes(as_user, world):
    client = as_user(world["worker_a"])
    response = get(client, "/reports/exports/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert world["a"].name in page and world["b"].name not in page
    assert 'name="station_id"' not in page
    assert "敬老月" in page and "环保月" in page  # their station's and the district's themes
    for name in ("volunteers", "activities", "checkins", "hours"):
        assert f'value="{name}"' in page


def test_the_form_sends_to_the_file_with_the_filters(as_user, world):
    client = as_user(world["admin"])
    b = world["b"]
    response = get(client, f"/reports/exports/?dataset=activities&format=csv&from=2026-03"
                          f"&to=2026-03&station_id={b.id}&theme_id=")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/reports/exports/activities.csv"
    assert parse_qs(location.query) == {"from": ["2026-03"], "to": ["2026-03"],
                                        "station_id": [str(b.id)]}
    rows = csv_rows(get(client, response.headers["Location"]))
    assert [row[1] for row in rows[1:]] == ["垃圾分类宣传"]
    refused = get(client, "/reports/exports/?dataset=ledger&format=pdf")
    assert refused.status_code == 422
    assert "Choose what to export." in refused.get_data(as_text=True)


# --- the command line -------------------------------------------------------------------------

def test_the_cli_writes_a_readable_excel_file(runner, world, tmp_path):
    target = tmp_path / "hours.xlsx"
    result = runner.invoke(args=["export", "hours", "--from", "2026-03", "--to", "2026-04",
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "5 rows of hours written" in result.output
    rows = list(load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "社工站" and len(rows) == 6
    assert rows[-1][2:] == (5, 3, 6, 540, 30, 570, 9.5)
    assert [path.name for path in tmp_path.iterdir()] == ["hours.xlsx"]


def test_the_cli_writes_csv_to_stdout_with_filters(runner, world):
    result = runner.invoke(args=["export", "activities", "--month", "2026-04", "--station",
                                 str(world["b"].id), "--output", "-"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert [row[1] for row in rows[1:]] == ["助残探访"]
    assert "1 rows of activities written to stdout" in result.stderr


def test_the_cli_refuses_bad_options(runner, world, tmp_path):
    bad_month = runner.invoke(args=["export", "hours", "--month", "2026-3x", "--output",
                                    str(tmp_path / "x.xlsx")])
    assert bad_month.exit_code == 2 and "YYYY-MM" in bad_month.output
    no_station = runner.invoke(args=["export", "hours", "--station", "99999", "--output",
                                     str(tmp_path / "x.csv")])
    assert no_station.exit_code == 2 and "no station 99999" in no_station.output
    to_stdout = runner.invoke(args=["export", "hours", "--format", "xlsx", "--output", "-"])
    assert to_stdout.exit_code == 2
    assert list(tmp_path.iterdir()) == []
