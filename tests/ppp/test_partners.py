"""Partners and roles: who may assign them, bad input refused whole, the role lifecycle, the page and the panel."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from tests.factories import country_id


class Partners:
    """Calls the partner services as a view would, each in its own transaction; returns plain values."""

    def __init__(self, app, plans):
        self.app = app
        self.plans = plans

    def assign(self, project_id: int, organisation_id, *, actor_id: int | None = None, **overrides) -> int:
        from marketplace.accounts.models import User
        from marketplace.ppp.partners import assign_role
        from marketplace.projects.models import Project

        values = {"iati_role": 3, "iati_org_type": "70", "functions": ["lender", "payment_partner"]} | overrides
        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                role = assign_role(db.session.get(User, actor_id or self.plans.owner.id),
                                   db.session.get(Project, project_id), organisation_id, **values)
                db.session.commit()
                return role.id
            finally:
                db.session.remove()

    def step(self, role_id: int, action: str, *, actor_id: int | None = None) -> str:
        from marketplace.accounts.models import User
        from marketplace.ppp.partner_models import PartnerRole
        from marketplace.ppp.partners import change_status

        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                role = change_status(db.session.get(User, actor_id or self.plans.owner.id),
                                     db.session.get(PartnerRole, role_id), action)
                db.session.commit()
                return role.status
            finally:
                db.session.remove()

    def stored(self, project_id: int) -> list[dict]:
        from marketplace.ppp.partner_models import PartnerRole

        with self.app.app_context():
            rows = db.session.scalars(select(PartnerRole).where(PartnerRole.project_id == project_id)
                                      .order_by(PartnerRole.id))
            return [{"organisation_id": r.organisation_id, "iati_role": r.iati_role, "iati_org_type": r.iati_org_type,
                     "functions": r.functions, "status": r.status} for r in rows]

    def events(self, prefix: str = "ppp.partner_") -> list[tuple[str, dict | None, dict | None]]:
        from marketplace.audit.models import AuditEvent

        with self.app.app_context():
            return [(e.action, e.before, e.after) for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.seq))]


@pytest.fixture
def partners(app, plans) -> Partners:
    return Partners(app, plans)


def test_the_owner_assigns_a_role_that_starts_proposed_and_is_audited(plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    role = partners.assign(project, plans.bank.id, functions=["payment_partner", "lender"],
                           agreement_kind="convention", agreement_reference="CONV-2026-01",
                           starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 1))
    assert partners.stored(project) == [{"organisation_id": plans.bank.id, "iati_role": 3, "iati_org_type": "70",
                                         "functions": ["lender", "payment_partner"], "status": "proposed"}]
    [(action, before, after)] = partners.events()
    assert action == "ppp.partner_assigned" and before is None
    assert after["organisation_id"] == plans.bank.id and after["agreement_reference"] == "CONV-2026-01"
    assert role > 0


@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_the_reviewing_authority_and_an_admin_may_assign_roles(app, plans, partners, make, who):
    project = plans.project(scheme="MDM", sector="HEA")
    if who == "reviewer":
        authority = make.organisation(type="ministry", country_id=country_id(app, "MA"))
        actor = make.user(organisation=authority)
    else:
        actor = make.admin()
    partners.assign(project, plans.orgs["programme_fund"].id, actor_id=actor.id, iati_role=1, iati_org_type="15",
                    functions=["grantor", "fund_manager"])
    assert [r["functions"] for r in partners.stored(project)] == [["grantor", "fund_manager"]]


@pytest.mark.parametrize("who", ["investor", "banker", "other_organisation", "foreign_authority"])
def test_a_stranger_to_the_project_is_refused_and_nothing_is_written(app, plans, partners, make, who):
    project = plans.project(scheme="MDM", sector="HEA")
    actor = {"investor": lambda: plans.investor(),
             "banker": lambda: plans.banker,
             "other_organisation": lambda: make.user(organisation=make.organisation(type="ngo"), role="manager"),
             "foreign_authority": lambda: make.user(organisation=make.organisation(
                 type="ministry", country_id=country_id(app, "BE"))),
             }[who]()
    with pytest.raises(ForbiddenError):
        partners.assign(project, plans.bank.id, actor_id=actor.id)
    assert partners.stored(project) == [] and partners.events() == []


def test_a_nonexistent_or_inactive_organisation_is_refused_on_its_field(app, plans, partners, make):
    from marketplace.organisations.models import Organisation

    project = plans.project(scheme="MDM", sector="HEA")
    dormant = make.organisation(type="ngo")
    with app.app_context():
        db.session.get(Organisation, dormant.id).is_active = False
        db.session.commit()
    for organisation in (999_999, dormant.id, "not-a-number", None):
        with pytest.raises(DomainError) as refused:
            partners.assign(project, organisation)
        assert refused.value.field == "organisation_id"
        assert "active organisation" in refused.value.message
    assert partners.stored(project) == []


def test_a_second_role_for_the_same_organisation_is_a_conflict(plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    partners.assign(project, plans.bank.id)
    with pytest.raises(ConflictError) as refused:
        partners.assign(project, plans.bank.id, iati_role=1, functions=["co_investor"])
    assert refused.value.field == "organisation_id" and "already a partner" in refused.value.message
    assert len(partners.stored(project)) == 1


@pytest.mark.parametrize(("overrides", "field"), [
    ({"iati_org_type": "11"}, "iati_org_type"),
    ({"iati_org_type": "7"}, "iati_org_type"),
    ({"iati_role": 5}, "iati_role"),
    ({"functions": []}, "functions"),
    ({"functions": ["lender", "donor"]}, "functions"),
    ({"agreement_kind": "contract"}, "agreement_kind"),
    ({"starts_on": date(2026, 6, 1), "ends_on": date(2026, 5, 31)}, "ends_on"),
])
def test_bad_input_is_refused_on_its_field_and_changes_nothing(plans, partners, overrides, field):
    project = plans.project(scheme="MDM", sector="HEA")
    with pytest.raises(DomainError) as refused:
        partners.assign(project, plans.bank.id, **overrides)
    assert refused.value.field == field
    assert partners.stored(project) == [] and partners.events() == []


@pytest.mark.parametrize(("column", "value"), [
    ("iati_org_type", "11"), ("iati_role", 0), ("status", "paused"), ("agreement_kind", "contract"),
])
def test_the_database_refuses_codes_outside_the_lists(app, plans, partners, column, value):
    from marketplace.ppp.partner_models import PartnerRole

    project = plans.project(scheme="MDM", sector="HEA")
    with app.app_context():
        values = {"project_id": project, "organisation_id": plans.bank.id, "iati_role": 4, "iati_org_type": "70",
                  "functions": ["lender"], column: value}
        db.session.add(PartnerRole(**values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("scope", ["none", "both"])
def test_the_database_wants_exactly_one_scope(app, plans, scope):
    from marketplace.ppp.partner_models import PartnerRole
    from marketplace.programmes.models import Programme

    project = plans.project(scheme="MDM", sector="HEA")
    with app.app_context():
        programme_id = db.session.scalar(select(Programme.id).where(Programme.code == "MDM"))
        ids = {"project_id": project, "programme_id": programme_id} if scope == "both" else {}
        db.session.add(PartnerRole(organisation_id=plans.bank.id, iati_role=4, iati_org_type="70",
                                   functions=["lender"], **ids))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_programme_role_needs_no_project(app, plans):
    from marketplace.ppp.partner_models import PartnerRole
    from marketplace.programmes.models import Programme

    with app.app_context():
        programme_id = db.session.scalar(select(Programme.id).where(Programme.code == "MDM"))
        db.session.add(PartnerRole(programme_id=programme_id, organisation_id=plans.orgs["ministry"].id, iati_role=2,
                                   iati_org_type="10", functions=["programme_owner"]))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PartnerRole)) == 1


@pytest.mark.parametrize(("actions", "final"), [
    (["agree", "activate", "end"], "ended"),
    (["decline"], "declined"),
    (["agree", "activate", "terminate"], "terminated"),
])
def test_the_role_lifecycle_moves_one_audited_step_at_a_time(plans, partners, actions, final):
    project = plans.project(scheme="MDM", sector="HEA")
    role = partners.assign(project, plans.bank.id)
    statuses = [partners.step(role, action) for action in actions]
    assert statuses[-1] == final and partners.stored(project)[0]["status"] == final
    steps = partners.events()[1:]
    assert [action for action, _before, _after in steps] == [f"ppp.partner_{a}" for a in actions]
    assert [(before["status"], after["status"]) for _a, before, after in steps] == \
        list(zip(["proposed", *statuses[:-1]], statuses, strict=True))


@pytest.mark.parametrize(("path", "illegal"), [
    ([], "activate"), ([], "end"), ([], "terminate"), (["agree"], "decline"), (["agree"], "agree"),
    (["agree", "activate"], "decline"), (["decline"], "agree"), (["agree", "activate", "end"], "terminate"),
])
def test_an_illegal_step_is_a_conflict_and_changes_nothing(plans, partners, path, illegal):
    project = plans.project(scheme="MDM", sector="HEA")
    role = partners.assign(project, plans.bank.id)
    for action in path:
        partners.step(role, action)
    before = partners.stored(project)
    events = len(partners.events())
    with pytest.raises(ConflictError):
        partners.step(role, illegal)
    assert partners.stored(project) == before and len(partners.events()) == events


def test_an_unknown_action_and_a_stranger_are_refused(plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    role = partners.assign(project, plans.bank.id)
    with pytest.raises(DomainError):
        partners.step(role, "pause")
    stranger = plans.make.user(organisation=plans.make.organisation(type="bank"))
    with pytest.raises(ForbiddenError):  # a member of another bank (the proposed bank's own members may answer)
        partners.step(role, "agree", actor_id=stranger.id)
    assert partners.stored(project)[0]["status"] == "proposed"


def test_roles_and_the_panel_context_load_in_one_statement(app, plans, partners, count_queries):
    from marketplace.ppp.partner_views import partners_context
    from marketplace.projects.models import Project

    project = plans.project(scheme="MDM", sector="HEA")
    partners.assign(project, plans.bank.id)
    partners.assign(project, plans.orgs["programme_fund"].id, iati_role=1, iati_org_type="15",
                    functions=["grantor", "fund_manager"])
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        loaded = db.session.get(Project, project)
        with count_queries() as statements:
            context = partners_context(loaded)
            names = [(r.organisation.name, r.iati_role_label, r.function_labels) for r in context["partner_roles"]]
        assert len(statements) == 1
    assert names == [(plans.orgs["programme_fund"].name, "Funding", ["Grantor", "Fund manager"]),
                     (plans.bank.name, "Extending", ["Lender", "Payment partner"])]


def test_the_default_roles_follow_the_scheme(app, plans):
    from marketplace.ppp.partners import default_roles
    from marketplace.projects.models import Project

    expected = {
        "MDM": ["org-03-banque-atlas", "org-02-fonds-garantie", "org-01-ministere-mdm", "org-05-region-oriental"],
        "INT": ["org-03-banque-atlas", "org-02-fonds-garantie"],
        "3X1": ["org-01-ministere-mdm", "org-05-region-oriental", "commune-driouch", "org-04-agence-migration"],
    }
    for scheme, slugs in expected.items():
        project = plans.project(scheme=scheme, sector="HEA")
        with app.app_context():
            specs = default_roles(db.session.get(Project, project))
        assert [s.organisation_slug for s in specs] == slugs
    with app.app_context():
        assert default_roles(db.session.get(Project, plans.project())) == []


# The page


def partners_url(project_id: int) -> str:
    return f"/projects/{project_id}/partners"


def form_data(organisation_id: int, **overrides) -> dict:
    return {"organisation_id": str(organisation_id), "iati_role": "3", "iati_org_type": "70",
            "functions": ["lender", "payment_partner"], "agreement_kind": "mou", "agreement_reference": "MOU-7",
            "agreement_signed_on": "2026-02-01", "starts_on": "2026-03-01", "ends_on": ""} | overrides


def test_the_owner_proposes_a_partner_through_the_form(browserless, plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    assert browserless.login(plans.owner.email, plans.owner.password).status_code == 302
    response = browserless.post_form(partners_url(project), form_data(plans.bank.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{partners_url(project)}#partners")
    assert partners.stored(project) == [{"organisation_id": plans.bank.id, "iati_role": 3, "iati_org_type": "70",
                                         "functions": ["lender", "payment_partner"], "status": "proposed"}]
    page = browserless.client.get(partners_url(project), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert plans.bank.name in page and "MOU-7" in page and "Mark as agreed" in page


def test_a_refused_proposal_is_shown_on_its_field_and_nothing_is_saved(browserless, plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    browserless.login(plans.owner.email, plans.owner.password)
    partners.assign(project, plans.bank.id)
    response = browserless.post_form(partners_url(project), form_data(plans.bank.id), headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "already a partner of this project" in response.get_data(as_text=True)
    response = browserless.post_form(partners_url(project), form_data(plans.orgs["commune"].id, functions=[]),
                                     headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Choose at least one function" in response.get_data(as_text=True)
    assert len(partners.stored(project)) == 1


def test_the_status_buttons_move_the_role(browserless, plans, partners):
    project = plans.project(scheme="MDM", sector="HEA")
    role = partners.assign(project, plans.bank.id)
    browserless.login(plans.owner.email, plans.owner.password)
    response = browserless.post_form(f"{partners_url(project)}/{role}/agree", {}, form_url=partners_url(project))
    assert response.status_code == 302
    assert partners.stored(project)[0]["status"] == "agreed"
    browserless.post_form(f"{partners_url(project)}/{role}/end", {}, form_url=partners_url(project))
    assert partners.stored(project)[0]["status"] == "agreed"
    assert browserless.client.post(f"{partners_url(project)}/{role}/activate").status_code in (302, 400)
    assert partners.stored(project)[0]["status"] == "agreed"  # no CSRF token, no step


@pytest.mark.parametrize(("status", "expected"), [("published", 403), ("draft", 404)])
def test_a_stranger_gets_403_on_a_public_project_and_404_otherwise(browserless, plans, partners, make, status,
                                                                      expected):
    project = plans.project(scheme="MDM", sector="HEA", status=status)
    role = partners.assign(project, plans.bank.id)
    stranger = make.user(organisation=make.organisation(type="ngo"), role="manager")
    browserless.login(stranger.email, stranger.password)
    assert browserless.client.get(partners_url(project)).status_code == expected
    token = browserless.token("/")
    assert browserless.client.post(partners_url(project), data={"csrf_token": token, **form_data(plans.bank.id)}) \
        .status_code == expected
    assert browserless.client.post(f"{partners_url(project)}/{role}/agree",
                                   data={"csrf_token": token}).status_code == expected
    assert partners.stored(project)[0]["status"] == "proposed" and len(partners.stored(project)) == 1


def test_the_panel_lists_partners_with_role_functions_and_status(app, plans, partners):
    from flask import render_template

    from marketplace.ppp.partner_views import partners_context
    from marketplace.projects.models import Project

    project = plans.project(scheme="MDM", sector="HEA")
    partners.assign(project, plans.bank.id)
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template("ppp/_partners_panel.html", **partners_context(db.session.get(Project, project)))
    assert plans.bank.name in html and "Extending" in html and "Lender, Payment partner" in html
    assert "Proposed" in html


def test_programme_partners_are_managed_by_the_programme_owner_and_admins(app, plans, make, browserless):
    from marketplace.ppp.partner_models import PartnerRole
    from marketplace.programmes.models import Programme

    ministry = plans.orgs["ministry"]
    official = make.user(organisation=ministry)
    with app.app_context():
        programme = db.session.scalar(select(Programme).where(Programme.code == "3X1"))
        programme.owner_organisation_id = ministry.id
        db.session.commit()
    donor = make.organisation(type="donor")
    form = {"organisation_id": str(donor.id), "iati_role": "1", "iati_org_type": "40", "functions": ["grantor"],
            "agreement_kind": "mou", "agreement_reference": "MOU-3X1-01"}
    assert browserless.login(plans.owner.email, plans.owner.password).status_code == 302
    page = browserless.client.get("/programmes/3X1/partners")
    assert page.status_code == 200 and "Propose this partner" not in page.get_data(as_text=True)
    assert browserless.post_form("/programmes/3X1/partners", form).status_code == 403
    browserless.logout()
    assert browserless.login(official.email, official.password).status_code == 302
    assert browserless.post_form("/programmes/3X1/partners", form | {"iati_role": "9"}).status_code == 422
    assert browserless.post_form("/programmes/3X1/partners", form).status_code == 302
    assert browserless.post_form("/programmes/3X1/partners", form).status_code == 422  # once per organisation
    with app.app_context():
        role = db.session.scalar(select(PartnerRole).where(PartnerRole.programme_id.is_not(None)))
        assert (role.organisation_id, role.project_id, role.functions, role.status) == \
            (donor.id, None, ["grantor"], "proposed")
    assert browserless.post_form(f"/programmes/3X1/partners/{role.id}/agree", {},
                                 form_url="/programmes/3X1/partners").status_code == 302
    with app.app_context():
        assert db.session.get(PartnerRole, role.id).status == "agreed"
    assert browserless.client.get("/programmes/NOPE/partners").status_code == 404


def test_a_signed_agreement_is_attached_to_a_role_as_a_private_document(app, plans, partners, browserless, make):
    from marketplace.ppp.partner_models import PartnerRole
    from marketplace.projects.models import ProjectDocument
    from tests.projects.test_files import pdf_bytes

    project = plans.project(scheme="MDM", sector="HEA")
    role_id = partners.assign(project, plans.bank.id)
    assert browserless.login(plans.owner.email, plans.owner.password).status_code == 302
    url = f"/projects/{project}/partners/{role_id}/agreement"
    bad = browserless.post_form(url, {"file": (io.BytesIO(b"not a pdf"), "mou.pdf")},
                                form_url=f"/projects/{project}/partners", content_type="multipart/form-data")
    assert bad.status_code == 302
    with app.app_context():
        assert db.session.get(PartnerRole, role_id).agreement_document_id is None
    good = browserless.post_form(url, {"file": (io.BytesIO(pdf_bytes(1)), "mou.pdf")},
                                 form_url=f"/projects/{project}/partners", content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        document = db.session.get(ProjectDocument, db.session.get(PartnerRole, role_id).agreement_document_id)
        assert (document.kind, document.is_public) == ("agreement", False)
    page = browserless.client.get(f"/projects/{project}/partners").get_data(as_text=True)
    assert f"/projects/documents/{document.id}" in page
    browserless.logout()
    stranger = make.investor()
    assert browserless.login(stranger.email, stranger.password).status_code == 302
    assert browserless.client.get(f"/projects/documents/{document.id}").status_code == 404
    assert browserless.post_form(url, {"file": (io.BytesIO(pdf_bytes(1)), "mou.pdf")}, form_url="/",
                                 content_type="multipart/form-data").status_code == 403


def test_a_proposed_organisation_agrees_or_declines_its_own_role_and_nothing_more(app, plans, partners, make,
                                                                                   browserless):
    from marketplace.ppp.partner_models import PartnerRole

    project = plans.project(scheme="MDM", sector="HEA")
    agency = make.organisation(type="implementing_agency")
    member = make.user(organisation=agency)
    role_id = partners.assign(project, agency.id, iati_role=4, iati_org_type="40", functions=["implementer"])
    other_id = partners.assign(project, plans.orgs["commune"].id, iati_role=1, iati_org_type="10",
                               functions=["grantor"])
    with pytest.raises(ForbiddenError):  # another organisation's role
        partners.step(other_id, "agree", actor_id=member.id)
    with pytest.raises(ForbiddenError):  # a role's own organisation does not activate or end it
        partners.step(role_id, "activate", actor_id=member.id)
    assert browserless.login(member.email, member.password).status_code == 302
    page = browserless.client.get(f"/projects/{project}/partnership").get_data(as_text=True)
    assert "Does your organisation agree?" in page and page.count("We agree") == 1
    response = browserless.post_form(f"/projects/{project}/partnership/roles/{role_id}/agree", {},
                                     form_url=f"/projects/{project}/partnership")
    assert response.status_code == 302
    assert browserless.post_form(f"/projects/{project}/partnership/roles/{other_id}/decline", {},
                                 form_url=f"/projects/{project}/partnership").status_code == 302
    with app.app_context():
        assert db.session.get(PartnerRole, role_id).status == "agreed"
        assert db.session.get(PartnerRole, other_id).status == "proposed"  # refused, flashed, unchanged
    assert "Does your organisation agree?" not in browserless.client.get(
        f"/projects/{project}/partnership").get_data(as_text=True)
