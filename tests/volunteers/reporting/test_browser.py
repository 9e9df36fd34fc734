"""The district dashboard in a real browser, with the demo data: every chart is drawn, the charts
show the tables' numbers, and the page fits a phone too."""

import os
import struct
from pathlib import Path

import pytest

from tests.browser import PHONE
from timebank import demo
from timebank.demo import DEMO_PASSWORD
from timebank.extensions import db
from volunteers.demo.seed import DISTRICT_ADMIN_PHONE

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

#: Per chart: how many of its pixels are coloured (bars), not white, grey or black (text, grid).
COLOURED_PIXELS = """canvas => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return coloured;
}"""

ALL_DRAWN = """() => {
  const canvases = [...document.querySelectorAll("canvas[data-chart]")];
  return canvases.length > 0 && canvases.every(canvas => {
    const chart = window.Chart && Chart.getChart(canvas);
    return chart && chart.data.datasets.length > 0 && canvas.width > 0;
  });
}"""


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


def log_in(page, phone: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_district_dashboard_draws_every_chart_from_the_demo_data(app, browser, live_server,
                                                                    tmp_path):
    demo.seed_all()  # as `flask seed-demo` does
    db.session.commit()
    context = browser.new_context(base_url=live_server, **DESKTOP)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and "favicon" not in response.url
            and problems.append(f"{response.status} {response.url}"))
    log_in(page, DISTRICT_ADMIN_PHONE, DEMO_PASSWORD)

    response = page.goto("/reports/")
    assert response.status == 200
    page.wait_for_function(ALL_DRAWN)
    charts = page.eval_on_selector_all("canvas[data-chart]",
                                       "canvases => canvases.map(c => c.dataset.chart)")
    assert charts == ["coverage", "hours_by_month", "hours_by_theme", "activities_by_theme",
                      "attendance", "ledger"]
    for name in charts:
        canvas = page.locator(f'canvas[data-chart="{name}"]')
        assert canvas.evaluate(COLOURED_PIXELS) > 500, f"the {name} chart shows no bars"

    # The charts show the tables' numbers: hours a month, and volunteers by community.
    chart_hours = page.evaluate("""() => {
      const chart = Chart.getChart(document.querySelector('canvas[data-chart="hours_by_month"]'));
      return chart.data.datasets.map(dataset => dataset.data);
    }""")
    table_hours = page.eval_on_selector_all(
        "#table-hours_by_month tbody tr",
        "rows => [1, 2].map(column => rows.map(row => "
        "Number(row.querySelectorAll('td')[column - 1].textContent.replace(/,/g, ''))))")
    assert chart_hours == table_hours
    assert sum(chart_hours[0]) > 100  # the demo's approved check-ins are there
    registered = page.evaluate("""() => Chart.getChart(
      document.querySelector('canvas[data-chart="coverage"]')).data.datasets[0].data""")
    assert registered == page.eval_on_selector_all(
        "#table-coverage tbody tr",
        "rows => rows.map(row => Number(row.querySelectorAll('td')[1].textContent))")
    assert len(registered) == 36  # every community of the district
    ledger_rows = page.locator("#table-ledger tbody tr")
    assert ledger_rows.count() >= 9
    assert "南沙街道社工服务站" in ledger_rows.first.inner_text()

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = png_size(shot)
    assert width == 1280 and height > 1500
    assert shot.stat().st_size > 100_000
    if os.environ.get("TIMEBANK_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "dashboard.png").write_bytes(shot.read_bytes())
    assert problems == []
    context.close()

    # On a phone the charts shrink to the screen and wide tables scroll inside their own box.
    context = browser.new_context(base_url=live_server, **PHONE)
    phone = context.new_page()
    log_in(phone, DISTRICT_ADMIN_PHONE, DEMO_PASSWORD)
    phone.goto("/reports/")
    phone.wait_for_function(ALL_DRAWN)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    widths = phone.eval_on_selector_all("canvas[data-chart]", "cs => cs.map(c => c.clientWidth)")
    assert len(widths) == 6 and all(0 < width <= 390 for width in widths)
    context.close()
