"""The official export (补录) through HTTP and the CLI: the month's file opened with openpyxl and
checked cell by cell against the records, the result list imported back (twice: the second time
changes nothing), bad rows and formula cells refused by row number with nothing changed, and
who may download the file (ID numbers in full).

The data, in November 2026 at station A (run by an agency) unless said otherwise:

* 长者探访 (3 h, 09:00-12:00, mapped to i志愿 project ``IZY-2026-001``): 陈晓敏 arrived 08:45
  and left 11:35 (clipped to 09:00, 150 minutes after rounding to 15); 周敏 (no ID number)
  scanned 90 minutes, reduced to 60 at approval (a reduction stays scanned time).
* 河涌清洁 (14:00-17:00): 陈晓敏 scanned 90 minutes and was credited 120, the 30 added by hand
  being 荣誉时.
* 助残陪伴: 周敏 approved, then reversed in the ledger (excluded); 手工活动: 陈晓敏 rejected
  (excluded); October's 重阳节探访 (excluded: another month); station B's 垃圾分类宣传 in
  November (excluded for A's manager, included for the district).
"""

import csv
import io
import re
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.volunteers.official.conftest import AGENCY, ID_NUMBER
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.official import services as official
from volunteers.official.models import OfficialProject, OfficialSync

HEADERS = ["记录编号", "姓名", "证件类型", "证件号码", "手机号", "活动名称", "项目编号", "服务类别",
           "服务日期", "开始时间", "结束时间", "服务时长（小时）", "信用时（小时）", "荣誉时（小时）",
           "组织单位", "补录状态", "补录日期", "补录批次", "补录结果"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, **args):
    response = client.get("/station/official/export.xlsx", query_string={
        "month": "2026-11", "system": "izy", **args}, buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def record_rows(workbook) -> list[tuple]:
    sheet = workbook["补录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    return rows[1:]


def notes(workbook) -> dict:
    return {label: value for label, value in workbook["说明"].iter_rows(values_only=True)
            if label}


def test_the_months_export_matches_the_records_cell_by_cell(client, login, world):
    login(world["manager_a"])
    workbook = download(client)
    rows = record_rows(workbook)
    v1, v2 = world["v1"], world["v2"]
    organiser = f"{AGENCY}（{world['a'].name}）"
    assert rows == [
        (f"NSCK{world['clipped'].id:08d}", "陈晓敏", "居民身份证", ID_NUMBER, v1.phone, "长者探访",
         "IZY-2026-001", "扶老助残", datetime(2026, 11, 10), "09:00", "11:35", 2.5, 2.5, 0,
         organiser, "待补录", None, None, None),
        (f"NSCK{world['reduced'].id:08d}", "周敏", None, None, v2.phone, "长者探访",
         "IZY-2026-001", "扶老助残", datetime(2026, 11, 10), "09:10", "10:40", 1, 1, 0,
         organiser, "待补录", None, None, None),
        (f"NSCK{world['honour'].id:08d}", "陈晓敏", "居民身份证", ID_NUMBER, v1.phone, "河涌清洁",
         None, "环境保护", datetime(2026, 11, 20), "14:00", "15:30", 2, 1.5, 0.5,
         organiser, "待补录", None, None, None),
    ]
    sheet = workbook["补录"]
    assert sheet["D2"].number_format == "@" and sheet["L2"].number_format == "0.00"
    said = notes(workbook)
    with force_locale("zh_Hans_CN"):
        records, without_id = str(_("Records")), str(_("Without an ID number"))
    assert said[records] == 3 and said[without_id] == 1
    assert said[f"NSCK{world['reduced'].id:08d}"] == "周敏"  # listed: cannot be entered
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "official.export"))
    assert entry.actor_id == world["manager_a"].id
    assert entry.details == {"system": "izy", "month": "2026-11", "station_id": world["a"].id,
                             "only_pending": False, "rows": 3}


def test_the_page_counts_what_the_file_holds_and_names_the_records_without_id(
        client, login, world):
    login(world["manager_a"])
    client.get("/lang/en")
    html = client.get("/station/official/?month=2026-11").get_data(as_text=True)
    assert "长者探访" in html and "河涌清洁" in html and "垃圾分类宣传" not in html
    assert "1 record has no ID number" in html and "周敏" in html
    assert 'value="IZY-2026-001"' in html


def test_the_district_exports_every_station_or_one(client, login, world):
    login(world["admin"])
    html = client.get("/station/official/?month=2026-11").get_data(as_text=True)
    assert "长者探访" in html and "垃圾分类宣传" in html  # every station's activities
    assert f'<option value="{world["b"].id}"' in html
    every = record_rows(download(client))
    assert [row[0] for row in every] == [official.record_id(world[name].id) for name in (
        "clipped", "reduced", "other_station", "honour")]
    one = record_rows(download(client, station_id=world["b"].id))
    assert [(row[0], row[14]) for row in one] == [
        (official.record_id(world["other_station"].id), world["b"].name)]


def test_a_station_manager_cannot_export_another_station(client, login, world):
    login(world["manager_a"])
    response = client.get("/station/official/export.xlsx",
                          query_string={"month": "2026-11", "station_id": world["b"].id})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "official.export")) == 0


@pytest.mark.parametrize("who", ["worker_a", "v1"])
def test_a_social_worker_or_a_volunteer_asking_for_the_export_gets_403(client, login, world, who):
    login(world[who])
    assert client.get("/station/official/export.xlsx?month=2026-11").status_code == 403
    assert client.get("/station/official/?month=2026-11").status_code == 403


# --- importing the result list back ---------------------------------------------------------------

def filled(workbook, results: dict[int, str]) -> bytes:
    """The exported workbook with 补录结果 written on the given rows (spreadsheet numbers)."""
    sheet = workbook["补录"]
    for number, text in results.items():
        sheet.cell(row=number, column=len(HEADERS), value=text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name="result.xlsx", batch="2026-12-批次1", day="2026-12-10"):
    token = csrf_token(client, "/station/official/?month=2026-11")
    return client.post("/station/official/import?month=2026-11", data={
        "csrf_token": token, "system": "izy", "batch": batch, "day": day,
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm(client, html: str):
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return client.post("/station/official/import/confirm", data={
        "token": token, "csrf_token": csrf_token(client, "/station/official/")})


def synced() -> list[tuple]:
    return list(db.session.execute(select(OfficialSync.checkin_id, OfficialSync.system,
                                          OfficialSync.synced_on, OfficialSync.batch)
                                   .order_by(OfficialSync.checkin_id)))


def test_a_result_file_imported_back_marks_records_and_twice_changes_nothing(
        client, login, world, runner, tmp_path):
    login(world["manager_a"])
    client.get("/lang/en")
    workbook = download(client)
    data = filled(workbook, {2: "成功", 4: "已补录"})  # row 3 (周敏, no ID) left blank
    preview = upload(client, data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[-6000:]
    assert synced() == []  # the preview marks nothing
    counts = dict(zip(("matched", "already", "not_marked", "unknown", "refused"),
                      _counts(html), strict=True))
    assert counts == {"matched": 2, "already": 0, "not_marked": 1, "unknown": 0, "refused": 0}
    assert confirm(client, html).status_code == 302
    assert synced() == [(world["clipped"].id, "izy", date(2026, 12, 10), "2026-12-批次1"),
                        (world["honour"].id, "izy", date(2026, 12, 10), "2026-12-批次1")]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "official.import"))
    assert entry.actor_id == world["manager_a"].id and entry.details["count"] == 2

    again = upload(client, data, batch="另一批次", day="2026-12-15")
    html = again.get_data(as_text=True)
    assert dict(zip(("matched", "already"), _counts(html)[:2], strict=True)) == {
        "matched": 0, "already": 2}
    assert 'name="token"' not in html  # nothing to confirm
    path = tmp_path / "result.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["official", "import", str(path), "--batch", "命令行批次"])
    assert result.exit_code == 0, result.output
    assert "0 to mark, 2 already synced" in result.output
    assert synced()[0][3] == "2026-12-批次1"  # the first import's date and batch stay
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "official.import")) == 1

    rows = record_rows(download(client))
    assert [(row[15], row[16], row[17]) for row in rows] == [
        ("已补录", datetime(2026, 12, 10), "2026-12-批次1"), ("待补录", None, None),
        ("已补录", datetime(2026, 12, 10), "2026-12-批次1")]
    pending = record_rows(download(client, pending="1"))
    assert [row[0] for row in pending] == [official.record_id(world["reduced"].id)]
    page = client.get("/station/official/?month=2026-11").get_data(as_text=True)
    link = re.search(r'href="(/station/official/export\.xlsx\?[^"]+)"', page).group(1)
    assert "pending" not in link  # the page's own link exports every record
    page = client.get("/station/official/?month=2026-11&pending=1").get_data(as_text=True)
    assert "pending=1" in re.search(r'href="(/station/official/export\.xlsx\?[^"]+)"',
                                    page).group(1)


def _counts(html: str) -> list[int]:
    block = html.split('class="import-counts"', 1)[1].split("</dl>", 1)[0]
    return [int(value) for value in re.findall(r"<dd>(\d+)</dd>", block)]


def test_the_volunteer_sees_which_hours_are_on_the_official_system(client, login, world):
    db.session.add(OfficialSync(checkin_id=world["clipped"].id, system="izy",
                                synced_on=date(2026, 12, 10), batch="批次1"))
    db.session.commit()
    login(world["v1"])
    client.get("/lang/en")
    html = client.get("/volunteer/activities").get_data(as_text=True)
    history = html.split('id="history-title"', 1)[1]
    lines = history.split('<li class="line">')[1:]
    by_title = {title: line for line in lines for title in ("长者探访", "河涌清洁", "手工活动")
                if title in line}
    assert "On the official system since Dec 10, 2026" in by_title["长者探访"]
    assert "Not yet on the official system" in by_title["河涌清洁"]
    assert "official system" not in by_title["手工活动"]  # rejected: no hours, no status


def test_the_checkin_shape_carries_official_sync(world):
    from volunteers.checkins.schemas import CheckInSchema

    db.session.add(OfficialSync(checkin_id=world["clipped"].id, system="national",
                                synced_on=date(2026, 12, 1), batch="全国批次"))
    db.session.commit()
    assert CheckInSchema().dump(world["clipped"])["official_sync"] == {
        "status": "synced",
        "systems": [{"system": "national", "synced_on": "2026-12-01", "batch": "全国批次"}]}
    assert CheckInSchema().dump(world["honour"])["official_sync"] == {
        "status": "pending", "systems": []}
    assert CheckInSchema().dump(world["rejected"])["official_sync"] is None


def _csv(*rows) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def test_bad_rows_are_refused_by_row_number_and_nothing_changes(client, login, world, runner,
                                                                 tmp_path):
    record = official.record_id
    data = _csv(["记录编号", "补录结果", "补录日期"],
                [record(world["clipped"].id), "成功", "2026-12-01"],        # row 2: good
                ["NSCK99999999", "成功", ""],                               # 3: no such record
                ["abc", "成功", ""],                                        # 4: not an id
                [record(world["reversed"].id), "成功", ""],                  # 5: reversed
                [record(world["honour"].id), "成功", "2026-13-01"],          # 6: bad date
                [record(world["clipped"].id), "成功", ""],                   # 7: twice
                [record(world["other_station"].id), "成功", ""],             # 8: station B
                [record(world["reduced"].id), "失败", ""])                   # 9: not marked
    login(world["manager_a"])
    client.get("/lang/en")
    response = upload(client, data, name="result.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _counts(html) == [1, 0, 1, 2, 4]  # matched, already, not marked, unknown, refused
    for number in (3, 4, 5, 6, 7, 8):
        assert f"<tr><td>{number}</td>" in html, number
    assert 'name="token"' not in html
    path = tmp_path / "result.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["official", "import", str(path), "--batch", "B1"])
    assert result.exit_code == 1
    said = result.output  # the command speaks the platform's language: 第 N 行 is row N
    assert all(f"第 {number} 行" in said for number in (3, 4, 5, 6, 7))
    assert "第 8 行" not in said  # the operator acts for every station
    assert "nothing written" in said
    assert synced() == []
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "official.import")) == 0


def test_a_formula_cell_is_refused(client, login, world, runner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["记录编号", "补录结果"])
    sheet.append([official.record_id(world["clipped"].id), "成功"])
    sheet.append(['=HYPERLINK("http://example.com","NSCK1")', "成功"])
    path = tmp_path / "formula.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["official", "import", str(path), "--batch", "B1"])
    assert result.exit_code == 1
    with force_locale("zh_Hans_CN"):
        refusal = _("A formula is not accepted: type the value itself.")
    assert f"第 3 行, 记录编号列: {refusal}" in result.output
    login(world["manager_a"])
    client.get("/lang/en")
    response = upload(client, _csv(["记录编号"], ["=1+1"]), name="formula.csv")
    assert response.status_code == 422
    assert "A formula is not accepted" in response.get_data(as_text=True)
    assert synced() == []


def test_a_plain_list_of_record_ids_marks_them_with_the_day_given(runner, world, tmp_path):
    path = tmp_path / "ids.csv"
    path.write_bytes(_csv(["记录编号"], [official.record_id(world["honour"].id).lower()]))
    dry = runner.invoke(args=["official", "import", str(path), "--batch", "B2", "--system",
                              "national", "--date", "2026-12-02", "--dry-run"])
    assert dry.exit_code == 0 and "1 to mark" in dry.output
    assert synced() == []
    done = runner.invoke(args=["official", "import", str(path), "--batch", "B2", "--system",
                               "national", "--date", "2026-12-02"])
    assert done.exit_code == 0, done.output
    assert synced() == [(world["honour"].id, "national", date(2026, 12, 2), "B2")]


# --- external project ids -----------------------------------------------------------------------

def test_staff_of_the_station_map_an_activity_to_its_project_id(client, login, world, make_staff):
    a2 = world["a2"]
    login(world["worker_a"])
    page = f"/station/activities/{a2.id}"
    url = f"/station/official/activities/{a2.id}/project"
    response = client.post(url, data={"csrf_token": csrf_token(client, page), "system": "national",
                                      "external_id": "ab c!"})
    assert response.status_code == 302
    assert official.projects_of_activity(a2) == {}
    client.post(url, data={"csrf_token": csrf_token(client, page), "system": "national",
                           "external_id": " GD-2026-0042 "})
    assert official.projects_of_activity(a2) == {"national": "GD-2026-0042"}
    assert 'value="GD-2026-0042"' in client.get(page).get_data(as_text=True)
    client.post(url, data={"csrf_token": csrf_token(client, page), "system": "national",
                           "external_id": ""})
    assert official.projects_of_activity(a2) == {}
    details = [entry.details for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "official.project",
                                 AuditEntry.subject == f"activity:{a2.id}").order_by(AuditEntry.id))]
    assert details == [{"system": "national", "old": None, "new": "GD-2026-0042"},
                       {"system": "national", "old": "GD-2026-0042", "new": None}]


def test_staff_of_another_station_cannot_map_its_activity(client, login, world, make_staff):
    other = make_staff(world["b"], name="别站社工")
    login(other)
    page = f"/station/official/activities/{world['a2'].id}/project"
    response = client.post(page, data={
        "csrf_token": csrf_token(client, "/station/activities"), "system": "izy",
        "external_id": "X-1"})
    assert response.status_code in (403, 404)
    assert db.session.scalar(select(func.count(OfficialProject.id))
                             .where(OfficialProject.activity_id == world["a2"].id)) == 0
