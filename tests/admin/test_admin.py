"""The admin area: only the platform operator's members enter; changes are validated and audited."""

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.reference.models import Region
from tests.factories import PASSWORD

ADMIN_PAGES = ["/admin/", "/admin/organisations", "/admin/users", "/admin/reference", "/admin/audit",
               "/admin/checklist",
               "/admin/organisations/new", "/admin/users/new"]


@pytest.mark.parametrize("kind", ["investor", "bank", "ministry"])
def test_non_admins_are_refused(browserless, make, kind):
    user = make.investor() if kind == "investor" else make.user(organisation=make.organisation(type=kind),
                                                                  role="manager")
    browserless.login(user.email, PASSWORD)
    for page in ADMIN_PAGES:
        assert browserless.client.get(page).status_code == 403, page


def test_admin_sees_every_admin_page(browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    for page in ADMIN_PAGES:
        assert browserless.client.get(page).status_code == 200, page


def test_admin_creates_organisation_and_it_is_audited(app, browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    response = browserless.post_form("/admin/organisations/new", {
        "name": "Banque du Nord (test)", "type": "bank", "country_id": "0", "region_id": "0",
        "website": "https://example.org", "description": ""})
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Banque du Nord (test)"))
        assert organisation.type == "bank"
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created")
                                  .order_by(AuditEvent.seq.desc()))
        assert entry.object_id == str(organisation.id)


def test_admin_organisation_form_rejects_bad_input_and_changes_nothing(app, browserless, make):
    make.organisation(name="Existing Bank")
    browserless.login(make.admin().email, PASSWORD)
    with app.app_context():
        before = db.session.scalar(select(func.count(Organisation.id)))
    for data, message in [
        ({"name": "Existing bank", "type": "bank"}, "An organisation with this name already exists."),
        ({"name": "New one", "type": "casino"}, "Not a valid choice"),
        ({"name": "New one", "type": "ngo", "website": "javascript:alert(1)"}, "http:// or https://"),
    ]:
        response = browserless.post_form("/admin/organisations/new",
                                         {"country_id": "0", "region_id": "0", **data})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_admin_creates_staff_account_with_membership(app, browserless, make):
    bank = make.organisation(type="bank")
    browserless.login(make.admin().email, PASSWORD)
    response = browserless.post_form("/admin/users/new", {
        "display_name": "Loan Officer", "email": "officer@example.org", "password": "branch office ledger 9",
        "organisation_id": str(bank.id), "role": "manager"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        assert user.roles == {"partner_member"}


def test_admin_suspends_account_which_ends_its_sessions(app, make):
    from tests.conftest import Browserless

    admin, victim = make.admin(), make.investor()
    admin_client, victim_client = Browserless(app.test_client()), Browserless(app.test_client())
    admin_client.login(admin.email, PASSWORD)
    victim_client.login(victim.email, PASSWORD)
    response = admin_client.post_form(f"/admin/users/{victim.id}/active", {"active": "0"},
                                      form_url=f"/admin/users/{victim.id}")
    assert response.status_code == 302
    assert victim_client.client.get("/account/profile").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.suspended"))


def test_admin_adds_a_region_to_another_country(app, browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    with app.app_context():
        from marketplace.reference.models import Country

        senegal = db.session.scalar(select(Country.id).where(Country.iso2 == "SN"))
    form = {"region-country_id": str(senegal), "region-iso_code": "SN-DK", "region-name_en": "Dakar",
            "region-name_fr": "Dakar", "region-name_ar": "داكار", "region-capital": "Dakar", "region-submit": "1"}
    assert browserless.post_form("/admin/reference", form).status_code == 302
    bad = browserless.post_form("/admin/reference", {**form, "region-iso_code": "MA-99"})
    assert bad.status_code == 422
    assert "A region code must start with SN-." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Region.name_ar).where(Region.iso_code == "SN-DK")) == "داكار"
        assert db.session.scalar(select(func.count(Region.id)).where(Region.iso_code == "MA-99")) == 0


def test_admin_user_creation_refuses_unknown_organisation(app, browserless, make):
    browserless.login(make.admin().email, PASSWORD)
    response = browserless.post_form("/admin/users/new", {
        "display_name": "Someone", "email": "someone@example.org", "password": "branch office ledger 9",
        "organisation_id": "99999", "role": "member"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "someone@example.org")) is None


def test_admin_lists_take_a_fixed_number_of_queries(browserless, make, count_queries):
    admin = make.admin()
    browserless.login(admin.email, PASSWORD)
    pages = ["/admin/users", "/admin/organisations", "/admin/audit"]
    with count_queries() as few:
        for page in pages:
            browserless.client.get(page)
    bank = make.organisation()
    for _ in range(8):
        make.user(organisation=bank)
    with count_queries() as many:
        for page in pages:
            browserless.client.get(page)
    assert len(many) == len(few)


def test_admin_configures_the_due_diligence_checklist(app, browserless, make):
    from marketplace.projects.models import DueDiligenceItem
    from marketplace.projects.vetting import checklist_items

    browserless.login(make.admin().email, PASSWORD)
    added = browserless.post_form("/admin/checklist", {
        "code": "insurance", "label_en": "Insurance policy on file", "label_fr": "Police d'assurance au dossier",
        "label_ar": "وثيقة التأمين في الملف"})
    assert added.status_code == 302
    duplicate = browserless.post_form("/admin/checklist", {
        "code": "insurance", "label_en": "x", "label_fr": "x", "label_ar": "x"})
    assert duplicate.status_code == 422
    with app.app_context():
        item = db.session.scalar(select(DueDiligenceItem).where(DueDiligenceItem.code == "aml_screening"))
    browserless.post_form(f"/admin/checklist/{item.id}/active", {"active": "0"}, form_url="/admin/checklist")
    with app.app_context():
        codes = [i.code for i in checklist_items()]
        assert "insurance" in codes and "aml_screening" not in codes
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checklist.item_retired"))
