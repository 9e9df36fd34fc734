"""On a phone: download my service record certificate, then check it as a stranger would."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.volunteers.certificates.test_services import pdf_text

pytestmark = pytest.mark.browser


def test_download_the_certificate_and_verify_it_on_a_phone(phone, served, tmp_path):
    phone.goto("/login")
    phone.get_by_label("手机号码").fill(served["volunteer"].phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="志愿服务", exact=True).first.click()
    phone.get_by_role("link", name="志愿服务记录证明").click()
    expect(phone.locator("h1")).to_have_text("志愿服务记录证明")
    expect(phone.locator("table")).to_contain_text("重阳敬老探访")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    with phone.expect_download() as download:
        phone.get_by_role("button", name="下载证明（PDF）").click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    text = pdf_text(path.read_bytes())
    assert "陈晓敏" in text and "累计志愿服务时长5.5小时" in text
    number = re.search(r"证明编号：(NSTB\w{12})", text).group(1)

    stranger = phone.context.browser.new_context(base_url=phone.url.split("/volunteer")[0],
                                                 viewport={"width": 390, "height": 844})
    page = stranger.new_page()
    page.goto(f"/verify/{number}")
    expect(page.locator(".verify-result")).to_contain_text("真实有效")
    expect(page.locator(".facts")).to_contain_text("陈**")
    page.goto("/verify/NSTB2026FAKEFAKE")
    expect(page.locator(".verify-result")).to_contain_text("没有编号为 NSTB2026FAKEFAKE 的证明")
    stranger.close()
