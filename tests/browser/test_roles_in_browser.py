"""Each demo role logs in through the real page in Chromium and sees its own navigation and language."""

import pytest

from marketplace.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROLES = [
    ("investor.brussels@demo.passerelle.org", "fr", "ltr", "Profil investisseur"),
    ("bank.officer@demo.passerelle.org", "fr", "ltr", "Mes organisations"),
    ("regional.officer@demo.passerelle.org", "ar", "rtl", "منظماتي"),
    ("admin@demo.passerelle.org", "en", "ltr", "Administration"),
]


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("email", "language", "direction", "nav_item"), ROLES)
def test_demo_role_logs_in_and_sees_its_navigation(page, live_server, screenshot, email, language, direction,
                                                    nav_item):
    log_in(page, live_server, email)
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == direction
    assert page.locator("#site-nav").get_by_role("link", name=nav_item).is_visible()
    screenshot(f"home-{email.split('@')[0]}")


def test_locale_switcher_turns_the_page_right_to_left(page, live_server, screenshot):
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "استثمر في موطنك الأصلي، وشاهد الفرق الذي تحدثه"
    screenshot("home-ar")
    page.reload()
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_wrong_password_then_right_password_in_the_browser(page, live_server, screenshot):
    page.goto(f"{live_server}/account/login")
    page.fill("#email", "investor.madrid@demo.passerelle.org")
    page.fill("#password", "not the password")
    page.click("main button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "The e-mail address or password is not correct."
    assert page.input_value("#email") == "investor.madrid@demo.passerelle.org"
    assert page.input_value("#password") == ""
    screenshot("login-error")
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Investor profile").is_visible()


def test_phone_layout_hides_navigation_behind_menu_button(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    assert not page.locator("#site-nav").get_by_role("link", name="How it works").is_visible()
    toggle.click()
    assert page.locator("#site-nav").get_by_role("link", name="How it works").is_visible()
    context.close()


def test_admin_page_renders_every_admin_section(page, live_server, screenshot):
    log_in(page, live_server, "admin@demo.passerelle.org")
    for path, heading in [("/admin/organisations", "Organisations"), ("/admin/users", "Users"),
                          ("/admin/reference", "Countries and regions"), ("/admin/audit", "Audit log")]:
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").inner_text() == heading
        screenshot(f"admin{path.replace('/', '-')}")
