"""The whole vetting journey through the pages, as owner, bank and reviewer, with every refusal."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.audit.services import verify_chain
from marketplace.extensions import db
from marketplace.projects.models import DueDiligenceItem, Project, ProjectVersion
from tests.conftest import Browserless
from tests.factories import PASSWORD, give_plan, oujda_place


def listing_form(app, **overrides):
    morocco, oriental, health = oujda_place(app)
    form = {
        "language": "fr", "title": "Centre de radiologie Oujda",
        "summary": "Un centre d'imagerie médicale pour l'Oriental.",
        "description": "Un **scanner** et deux salles de radiologie.",
        "title_en": "Oujda radiology centre", "summary_en": "A medical imaging centre for the Oriental region.",
        "country_id": str(morocco), "region_id": str(oriental), "sector_id": str(health), "programme_id": "0",
        "partner_bank_id": "0",
        "instrument": "equity", "funding_rule": "all_or_nothing", "currency": "MAD",
        "target": "1 250 000", "min_ticket": "5000,50",
        "campaign_starts_on": date.today().isoformat(),
        "campaign_ends_on": (date.today() + timedelta(days=60)).isoformat(),
        "risks": "Retards de chantier.", "expected_jobs": "18", "sdg_goals": ["3", "8"],
    }
    form.update(overrides)
    return form


def client_for(app, user) -> Browserless:
    person = Browserless(app.test_client())
    assert person.login(user.email, PASSWORD).status_code == 302
    return person


def act(person, project_id, action, note=""):
    return person.post_form(f"/projects/{project_id}/actions/{action}", {"note": note},
                            form_url=f"/projects/{project_id}")


def status_of(app, project_id):
    with app.app_context():
        return db.session.get(Project, project_id).status


def flashed(person, project_id):
    return person.client.get(f"/projects/{project_id}").get_data(as_text=True)


def test_full_vetting_journey(app, cast):
    owner, banker, reviewer = (client_for(app, u) for u in (cast.owner, cast.banker, cast.reviewer))

    created = owner.post_form("/projects/new", listing_form(app, organisation_id=str(cast.ngo.id),
                                                              partner_bank_id=str(cast.bank.id)))
    assert created.status_code == 302
    project_id = int(re.search(r"/projects/(\d+)", created.location).group(1))
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.target_minor, project.min_ticket_minor, project.currency) == (125_000_000, 500_050, "MAD")
        assert project.sdg_goals == [3, 8]
        assert project.translations == {"en": {"title": "Oujda radiology centre",
                                               "summary": "A medical imaging centre for the Oriental region."}}

    assert act(owner, project_id, "submit").status_code == 302
    assert status_of(app, project_id) == "submitted"
    # English readers see the English translation the owner supplied.
    assert "Oujda radiology centre" in reviewer.client.get("/review").get_data(as_text=True)
    assert "Oujda radiology centre" in banker.client.get("/due-diligence").get_data(as_text=True)

    act(reviewer, project_id, "start_review")
    act(reviewer, project_id, "request_changes", note="Joignez l'étude de faisabilité et précisez le loyer.")
    assert status_of(app, project_id) == "changes_requested"
    owner_page = flashed(owner, project_id)
    assert "Joignez l&#39;étude de faisabilité et précisez le loyer." in owner_page

    edited = owner.post_form(f"/projects/{project_id}/edit",
                             listing_form(app, partner_bank_id=str(cast.bank.id), summary="Loyer : 12 000 MAD/mois."),
                             form_url=f"/projects/{project_id}/edit")
    assert edited.status_code == 302
    act(owner, project_id, "submit")
    act(reviewer, project_id, "start_review")
    assert status_of(app, project_id) == "in_review"

    refused = act(reviewer, project_id, "approve")
    assert refused.status_code == 302
    assert status_of(app, project_id) == "in_review"
    assert "Approval needs the partner bank" in flashed(reviewer, project_id)

    with app.app_context():
        items = db.session.scalars(select(DueDiligenceItem.id)).all()
    incomplete = {f"item_{items[0]}": "on", "co_sign": "1"}
    response = banker.post_form(f"/projects/{project_id}/due-diligence", incomplete)
    assert response.status_code == 422
    assert "Tick every item" in response.get_data(as_text=True)
    complete = {**{f"item_{i}": "on" for i in items}, f"note_{items[0]}": "Pièces vérifiées en agence.",
                "co_sign": "1"}
    assert banker.post_form(f"/projects/{project_id}/due-diligence", complete).status_code == 302

    refused = act(reviewer, project_id, "approve")
    assert status_of(app, project_id) == "in_review"
    assert "Approval needs a valid financing plan" in flashed(reviewer, project_id)
    give_plan(app, project_id, cast.owner.id)
    act(reviewer, project_id, "approve")
    assert status_of(app, project_id) == "approved"
    act(owner, project_id, "publish")
    assert status_of(app, project_id) == "published"
    public = Browserless(app.test_client())
    assert "Oujda radiology centre" in public.client.get("/projects/").get_data(as_text=True)

    material = owner.post_form(f"/projects/{project_id}/edit",
                               listing_form(app, partner_bank_id=str(cast.bank.id), target="1500000"),
                               form_url=f"/projects/{project_id}/edit")
    assert material.status_code == 302
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert project.status == "in_review"
        assert project.needs_reconfirmation
        assert [v.reason for v in db.session.scalars(select(ProjectVersion).where(
            ProjectVersion.project_id == project_id).order_by(ProjectVersion.number))] == [
            "submitted", "submitted", "material_edit"]
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(project_id))))
        assert {"project.created", "project.submit", "project.request_changes", "project.co_signed",
                "project.approve", "project.publish", "project.back_to_review", "project.edited"} <= actions
        assert verify_chain().ok
    assert "Oujda radiology centre" not in public.client.get("/projects/").get_data(as_text=True)
    diff = reviewer.client.get(f"/projects/{project_id}/versions").get_data(as_text=True)
    assert "125000000" in diff and "150000000" in diff


def test_non_material_edit_of_published_project_publishes_directly(app, cast, projects):
    project_id = publish(app, cast, projects)
    owner = client_for(app, cast.owner)
    response = owner.post_form(f"/projects/{project_id}/edit",
                               listing_form(app, partner_bank_id=str(cast.bank.id), summary="Typo corrigée."),
                               form_url=f"/projects/{project_id}/edit")
    assert response.status_code == 302
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.status, project.summary, project.needs_reconfirmation) == ("published", "Typo corrigée.", False)


def approve(app, cast, projects, **overrides) -> int:
    """Drive a new listing to approved through the services (the page journey is tested above)."""
    from marketplace.accounts.models import User
    from marketplace.projects.lifecycle import transition
    from marketplace.projects.vetting import checklist_items, save_checklist

    values = {"campaign_starts_on": date.today(), "campaign_ends_on": date.today() + timedelta(days=60),
              "risks": "Retards de chantier.", **overrides}
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank, **values)
    with app.app_context():
        project = db.session.get(Project, project_id)
        owner, banker, reviewer = (db.session.get(User, u.id) for u in (cast.owner, cast.banker, cast.reviewer))
        transition(project, "submit", actor=owner)
        transition(project, "start_review", actor=reviewer)
        save_checklist(project, actor=banker, answers={i.id: (True, "") for i in checklist_items()}, co_sign=True)
        transition(project, "approve", actor=reviewer)
        db.session.commit()
    return project_id


def publish(app, cast, projects, **overrides) -> int:
    from marketplace.accounts.models import User
    from marketplace.projects.lifecycle import transition

    project_id = approve(app, cast, projects, **overrides)
    with app.app_context():
        transition(db.session.get(Project, project_id), "publish", actor=db.session.get(User, cast.owner.id))
        db.session.commit()
    return project_id
