"""The official export's page in a real browser at a station's desk (1366×900): the counts, the
note about the volunteer without an ID number, a project id saved, a result file uploaded and
confirmed; then the volunteer's phone shows 已补录 beside the hours. Screenshots are kept in
``artifacts/`` to look at."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser import DESK, PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def log_in(page, phone: str) -> None:
    page.goto("/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_official_page_at_the_desk_and_the_volunteers_phone(browser, live_server, world,
                                                                 tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(base_url=live_server, accept_downloads=True, **DESK)
    page = context.new_page()
    log_in(page, world["manager_a"].phone)
    page.goto("/station/official/?month=2026-11")
    kpis = page.locator(".kpi dd").all_inner_texts()
    assert kpis[:3] == ["3", "3", "0"]  # records, 待补录, 已补录
    assert "周敏" in page.locator(".notice").inner_text()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "official-desk.png"), full_page=True)

    page.goto(f"/station/activities/{world['a1'].id}")
    assert page.get_by_label("i志愿（广东）").input_value() == "IZY-2026-001"
    page.locator("section.card").first.screenshot(path=str(ARTIFACTS / "official-activity.png"))
    page.goto("/station/official/?month=2026-11")

    page.get_by_label("项目编号").nth(1).fill("IZY-2026-002")  # 河涌清洁, the second activity
    page.get_by_label("项目编号").nth(1).press("Enter")
    page.wait_for_load_state()
    assert page.get_by_label("项目编号").nth(1).input_value() == "IZY-2026-002"

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel 文件").click()
    path = tmp_path / "official.xlsx"
    info.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook["补录"]
    assert [sheet.cell(row=row, column=7).value for row in (2, 3, 4)] == [
        "IZY-2026-001", "IZY-2026-001", "IZY-2026-002"]
    sheet.cell(row=2, column=19, value="成功")
    sheet.cell(row=4, column=19, value="成功")
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled = tmp_path / "result.xlsx"
    filled.write_bytes(buffer.getvalue())

    page.get_by_label("批次").fill("2026-12-第一批")
    page.get_by_label("补录结果文件（CSV 或 Excel .xlsx，最大 1 MB）").set_input_files(str(filled))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_load_state()
    counts = page.locator(".import-counts dd").all_inner_texts()
    assert counts == ["2", "0", "1", "0", "0"]
    page.screenshot(path=str(ARTIFACTS / "official-preview.png"), full_page=True)
    page.get_by_role("button", name="将 2 条记录标记为已补录").click()
    page.wait_for_load_state()
    assert "已将 2 条记录标记为已补录" in page.locator(".flash").inner_text()
    context.close()

    phone = browser.new_context(base_url=live_server, **PHONE).new_page()
    log_in(phone, world["v1"].phone)
    phone.goto("/volunteer/activities")
    history = phone.locator(".history").inner_text()
    assert "已补录" in history
    assert no_sideways_scroll(phone)
    phone.locator(".history").screenshot(path=str(ARTIFACTS / "official-phone-history.png"))
    phone.context.close()
