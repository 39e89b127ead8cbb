"""Findings from trying the admin area as a user: bounds, wildcards, consistency, privilege."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.organisations.models import Membership, Organisation
from tests.factories import PASSWORD


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "0"])
def test_absurd_page_numbers_do_not_crash(browserless, make, page):
    browserless.login(make.admin().email, PASSWORD)
    for url in ("/admin/audit", "/admin/users"):
        assert browserless.client.get(f"{url}?page={page}").status_code == 200


def test_user_search_treats_wildcards_literally(browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    make.user(display_name="Amina Zerouali")
    html = browserless.client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "Amina Zerouali" not in html
    assert "No account matches." in html


def test_organisation_region_must_belong_to_its_country(app, browserless, make):
    from marketplace.reference.models import Country, Region

    browserless.login(make.admin().email, PASSWORD)
    with app.app_context():
        belgium = db.session.scalar(select(Country.id).where(Country.iso2 == "BE"))
        casablanca = db.session.scalar(select(Region.id).where(Region.iso_code == "MA-06"))
    response = browserless.post_form("/admin/organisations/new", {
        "name": "Mismatch", "type": "ngo", "country_id": str(belgium), "region_id": str(casablanca)})
    assert response.status_code == 422
    assert "Choose a region of the chosen country." in response.get_data(as_text=True)


def test_platform_operator_type_cannot_be_created_from_the_admin_area(app, browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    with app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))
    response = browserless.post_form("/admin/organisations/new", {
        "name": "Shadow operator", "type": "platform_operator", "country_id": "0", "region_id": "0"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_admin_cannot_create_an_account_without_any_role(app, browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    response = browserless.post_form("/admin/users/new", {
        "display_name": "Nobody", "email": "nobody@example.org", "password": "branch office ledger 9",
        "organisation_id": "0", "role": "member"})
    assert response.status_code == 422
    assert "Choose an organisation, or make it an investor account." in response.get_data(as_text=True)


def test_added_member_is_told_and_can_leave(app, make):
    from tests.conftest import Browserless

    bank = make.organisation(type="bank")
    manager = make.user(organisation=bank, role="manager")
    person = make.investor()
    boss = Browserless(app.test_client())
    boss.login(manager.email, PASSWORD)
    boss.post_form(f"/organisations/{bank.id}/members", {"email": person.email, "role": "member"},
                   form_url=f"/organisations/{bank.id}")
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == person.id)) == \
            "membership.added"
    member = Browserless(app.test_client())
    member.login(person.email, PASSWORD)
    assert "You were added to" in member.client.get("/notifications/").get_data(as_text=True)
    assert member.post_form(f"/organisations/{bank.id}/leave", {}, form_url="/organisations/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Membership).where(Membership.user_id == person.id)) is None


def test_form_fields_never_carry_placeholder_aria_values(client):
    html = client.get("/account/register").get_data(as_text=True)
    assert 'aria-invalid="None"' not in html
    assert 'aria-describedby="None"' not in html


def test_registration_reports_every_problem_at_once(browserless):
    response = browserless.post_form("/account/register", {
        "display_name": "A", "email": "not-an-email", "password": "short", "confirm": "different"})
    html = response.get_data(as_text=True)
    assert "Enter a valid e-mail address." in html
    assert "Use at least 10 characters." in html
    assert "The passwords differ." in html


def test_country_list_files_accented_names_alphabetically(app):
    from marketplace.reference.queries import country_choices

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        names = [name for _, name in country_choices()]
    assert names[0] == "Maroc"
    assert names.index("Égypte") < names.index("Espagne") < names.index("États-Unis") < names.index("Zimbabwe")


def test_logged_in_visitor_going_to_login_is_sent_on(browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    assert browserless.client.get("/account/login").status_code == 302


@pytest.mark.parametrize(("org_type", "landing"), [("ministry", "/review"), ("bank", "/projects/mine"),
                                                    ("platform_operator", "/admin/")])
def test_each_role_lands_on_its_own_start_page(browserless, make, org_type, landing):
    user = make.user(organisation=make.organisation(type=org_type))
    assert browserless.login(user.email, PASSWORD).location == landing


def test_new_reference_data_reaches_the_cached_catalogue_filters_at_once(app):
    from marketplace.reference.models import Country
    from marketplace.reference.queries import reference_ids
    from marketplace.reference.services import add_region

    with app.test_request_context():
        assert "SN-TH" not in reference_ids()["regions"]
        senegal = db.session.scalar(select(Country).where(Country.iso2 == "SN"))
        add_region(country=senegal, iso_code="SN-TH", name_en="Thiès", name_fr="Thiès", name_ar="تياس")
        assert "SN-TH" in reference_ids()["regions"]
        db.session.rollback()
