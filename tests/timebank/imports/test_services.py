"""Imports of geography and staff, and what every import refuses: the file's format, its
columns, formulas, bad rows (all rows or none)."""

import pytest
from sqlalchemy import select

from tests.timebank.imports.helpers import table_counts, write_csv, write_xlsx
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.extensions import db
from timebank.imports import services as imports
from timebank.org import services as org

GEOGRAPHY = [
    ["镇街", "村居", "社工站", "片区", "备注"],
    ["南沙街道", "金洲社区", "南沙街道社工服务站", "第一片区", "ignored"],
    ["南沙街道", "港湾社区", "南沙街道社工服务站", "第一片区", ""],
    ["南沙街道", "港湾社区", "南沙街道社工服务站", "第二片区", ""],
    ["黄阁镇", "金洲社区", "黄阁镇社工服务站", "", ""],
]


def _geography(tmp_path, rows=GEOGRAPHY, name="geography.csv"):
    return write_csv(tmp_path / name, rows)


def test_geography_makes_towns_communities_stations_and_grid_teams(app, tmp_path):
    result = imports.run("geography", _geography(tmp_path))
    db.session.commit()
    assert result.applied and (result.created, result.updated, result.unchanged) == (4, 0, 0)
    towns = {town.name: town for town in org.towns()}
    assert set(towns) == {"南沙街道", "黄阁镇"}
    nansha = towns["南沙街道"]
    assert nansha.station.name == "南沙街道社工服务站"
    assert [c.name for c in nansha.communities] == ["港湾社区", "金洲社区"]
    teams = {team.name: [c.name for c in team.communities] for team in nansha.station.grid_teams}
    assert teams == {"第一片区": ["金洲社区", "港湾社区"], "第二片区": ["港湾社区"]}
    assert towns["黄阁镇"].station.grid_teams == []


def test_the_same_file_again_changes_nothing(app, tmp_path):
    path = _geography(tmp_path)
    imports.run("geography", path)
    db.session.commit()
    before = table_counts()
    again = imports.run("geography", path)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    after = table_counts()
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the import itself
    assert after == before


def test_a_dry_run_writes_nothing(app, tmp_path):
    before = table_counts()
    result = imports.run("geography", _geography(tmp_path), dry_run=True)
    assert not result.applied and result.created == 4
    assert table_counts() == before


def test_xlsx_in_any_column_order_and_gb18030_csv_read_the_same(app, tmp_path):
    reordered = [[row[3], row[1], row[0], row[2]] for row in GEOGRAPHY]
    xlsx = imports.run("geography", write_xlsx(tmp_path / "g.xlsx", reordered), dry_run=True)
    gbk = imports.run("geography", write_csv(tmp_path / "g.csv", GEOGRAPHY, encoding="gb18030"),
                      dry_run=True)
    assert (xlsx.created, xlsx.problem_count) == (gbk.created, gbk.problem_count) == (4, 0)


def test_a_town_has_one_station(app, tmp_path):
    rows = GEOGRAPHY + [["南沙街道", "新社区", "另一个社工站", "", ""]]
    before = table_counts()
    result = imports.run("geography", _geography(tmp_path, rows))
    assert not result.applied
    assert [(p.row, p.column) for p in result.problems] == [(6, "社工站")]
    assert "第 2 行" in result.problems[0].reason
    assert table_counts() == before


def test_staff_are_posted_with_their_role_and_no_usable_password(app, tmp_path):
    imports.run("geography", _geography(tmp_path))
    rows = [["姓名", "手机号", "角色", "社工站", "片区"],
            ["李志华", "138 0000 0010", "社工", "南沙街道社工服务站", "第一片区"],
            ["王丽娟", "13800000011", "项目主管", "南沙街道社工服务站", ""],
            ["黄建国", "+8613800000012", "区级管理员", "黄阁镇社工服务站", ""]]
    result = imports.run("staff", write_csv(tmp_path / "staff.csv", rows))
    db.session.commit()
    assert result.created == 3
    worker = users.get_by_phone("13800000010")
    assert worker.role_names == ["social_worker"] and not worker.claimable
    post = org.post_of(worker)
    assert post.station.name == "南沙街道社工服务站" and post.grid_team.name == "第一片区"
    assert users.get_by_phone("13800000011").role_names == ["station_manager"]
    assert users.get_by_phone("13800000012").role_names == ["district_admin"]
    assert users.authenticate("13800000010", users.UNUSABLE_PASSWORD) is None
    assert users.authenticate("13800000010", "") is None
    again = imports.run("staff", tmp_path / "staff.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_staff_rows_name_unknown_stations_grid_teams_roles_and_other_names(app, tmp_path, make_user):
    imports.run("geography", _geography(tmp_path))
    make_user(Role.RESIDENT, phone="13800000020", name="别人")
    db.session.commit()
    rows = [["姓名", "手机号", "角色", "社工站", "片区"],
            ["甲", "13800000021", "社工", "没有这个站", ""],
            ["乙", "13800000022", "社工", "南沙街道社工服务站", "第九片区"],
            ["丙", "13800000023", "督导", "南沙街道社工服务站", ""],
            ["丁", "13800000020", "社工", "南沙街道社工服务站", ""],
            ["戊", "12345", "社工", "南沙街道社工服务站", ""]]
    before = table_counts()
    result = imports.run("staff", write_csv(tmp_path / "staff.csv", rows))
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "社工站"), (3, "片区"), (4, "角色"), (5, "手机号"), (6, "手机号")]
    assert table_counts() == before


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "不是 CSV 或 XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "旧版 Excel"),
    (b"PK\x03\x04 not really a zip", "不是可以读取的 Excel"),
    (b"\xff\xfe\xfa\xfb\x81\x30", "不是 UTF-8 或 GB18030"),
])
def test_a_file_in_the_wrong_format_is_refused_clearly(app, tmp_path, content, message):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    before = table_counts()
    with pytest.raises(imports.ImportFileError) as refused:
        imports.run("geography", path)
    assert message in str(refused.value)
    assert table_counts() == before


def test_a_file_of_another_kind_is_refused(app, tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(imports.ImportFileError, match="不是 CSV 或 XLSX"):
        imports.run("geography", path, filename="notes.pdf")


def test_a_missing_column_is_named(app, tmp_path):
    path = write_csv(tmp_path / "g.csv", [["镇街", "社工站"], ["南沙街道", "站"]])
    with pytest.raises(imports.ImportFileError) as refused:
        imports.run("geography", path)
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "村居")]
    assert "村居" in str(refused.value)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_is_refused_naming_row_and_column(app, tmp_path, fmt):
    rows = GEOGRAPHY[:2] + [["南沙街道", "=HYPERLINK(\"http://x\")", "南沙街道社工服务站", "", ""],
                            ["@SUM(A1)", "港湾社区", "南沙街道社工服务站", "", ""]]
    path = (write_csv(tmp_path / "g.csv", rows) if fmt == "csv"
            else write_xlsx(tmp_path / "g.xlsx", rows))
    before = table_counts()
    result = imports.run("geography", path)
    assert [(p.row, p.column) for p in result.problems] == [(3, "村居"), (4, "镇街")]
    assert "公式" in result.problems[0].reason
    assert table_counts() == before


def test_an_xlsx_formula_cell_is_refused(app, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["镇街", "村居", "社工站"])
    sheet.append(["南沙街道", "金洲社区", "站"])
    sheet["B2"] = "=CONCAT(\"金\",\"洲\")"
    workbook.save(tmp_path / "g.xlsx")
    result = imports.run("geography", tmp_path / "g.xlsx")
    assert [(p.row, p.column) for p in result.problems] == [(2, "村居")]


def test_templates_carry_the_exact_header_and_read_back(app, tmp_path):
    for kind in ("geography", "staff", "volunteers"):
        importer = imports.importer_for(kind)
        for fmt in imports.FORMATS:
            path = tmp_path / f"{kind}.{fmt}"
            path.write_bytes(imports.template_file(kind, fmt))
            table = imports.open_table(path, path.name, importer)
            assert list(table.columns)[:len(importer.columns)] == [c.name for c in importer.columns]
            rows = list(table.rows())
            assert len(rows) == 1 and rows[0][0] == 2 and not rows[0][2]


def test_the_cli_imports_and_exits_1_naming_each_bad_row(runner, tmp_path):
    good = _geography(tmp_path)
    dry = runner.invoke(args=["import", "geography", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "4 created" in dry.output and "nothing written" in dry.output
    assert org.towns() == []
    done = runner.invoke(args=["import", "geography", str(good)])
    assert done.exit_code == 0 and "4 created" in done.output
    again = runner.invoke(args=["import", "geography", str(good)])
    assert "0 created, 0 updated, 4 unchanged" in again.output
    bad = write_csv(tmp_path / "bad.csv", [["镇街", "村居", "社工站"], ["新镇", "", "新站"],
                                           ["新镇", "甲村", ""]])
    refused = runner.invoke(args=["import", "geography", str(bad)])
    assert refused.exit_code == 1
    assert "第 2 行, 村居列" in refused.output and "第 3 行, 社工站列" in refused.output
    assert db.session.scalar(select(org.Town).where(org.Town.name == "新镇")) is None
    missing = runner.invoke(args=["import", "geography",
                                  str(write_csv(tmp_path / "m.csv", [["村居"], ["x"]]))])
    assert missing.exit_code == 1 and "镇街" in missing.output
    unknown = runner.invoke(args=["import", "houses", str(good)])
    assert unknown.exit_code == 2


def test_a_station_manager_imports_social_workers_of_their_own_station_only(
        app, tmp_path, make_station, make_staff):
    station, other = make_station(), make_station()
    manager = make_staff(station, Role.STATION_MANAGER, name="项目主管")
    colleague = make_staff(other, Role.SOCIAL_WORKER, name="别站社工")
    rows = [["姓名", "手机号", "角色", "社工站"],
            ["新社工", "13800000030", "社工", station.name],
            ["新主管", "13800000031", "项目主管", station.name],
            ["外站社工", "13800000032", "社工", other.name],
            ["别站社工", colleague.phone, "社工", station.name]]
    result = imports.run("staff", write_csv(tmp_path / "s.csv", rows), by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(3, "角色"), (4, "社工站"),
                                                            (5, "手机号")]
    fine = imports.run("staff", write_csv(tmp_path / "ok.csv", rows[:2]), by=manager)
    db.session.commit()
    assert fine.applied
    assert org.post_of(users.get_by_phone("13800000030")).station_id == station.id
