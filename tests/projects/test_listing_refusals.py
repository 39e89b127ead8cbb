"""Bad input and foreign hands: each is refused with a clear message and nothing is half-saved."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.projects.models import Project
from tests.projects.test_vetting_journey import act, approve, client_for, listing_form, publish, status_of


def project_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Project.id)))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"target": "-5000"}, "Enter an amount greater than zero."),
    ({"target": "0"}, "Enter an amount greater than zero."),
    ({"target": "99999999999999"}, "This amount is not plausible for a listing."),
    ({"target": "12.345"}, "at most the currency&#39;s decimal places"),
    ({"target": "abc"}, "at most the currency&#39;s decimal places"),
    ({"min_ticket": "2000000"}, "The minimum ticket cannot be larger than the funding target."),
    ({"campaign_starts_on": (date.today() - timedelta(days=3)).isoformat()}, "The campaign cannot start in the past."),
    ({"campaign_ends_on": date.today().isoformat()}, "The campaign must end after it starts."),
    ({"campaign_ends_on": (date.today() + timedelta(days=400)).isoformat()}, "A campaign lasts at most a year."),
    ({"region_id": "999999"}, "Not a valid choice"),
    ({"expected_jobs": "-4"}, "Number must be between 0 and 1000000."),
    ({"title": ""}, "This field is required."),
])
def test_draft_with_bad_input_is_refused_and_not_saved(app, cast, overrides, message):
    owner = client_for(app, cast.owner)
    response = owner.post_form("/projects/new", listing_form(app, organisation_id=str(cast.ngo.id), **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert project_count(app) == 0


def test_region_of_another_country_is_refused(app, cast):
    from marketplace.reference.models import Country
    from marketplace.reference.services import add_region

    with app.app_context():
        senegal = db.session.scalar(select(Country).where(Country.iso2 == "SN"))
        senegal.hosts_projects = True
        region = add_region(country=senegal, iso_code="SN-DK", name_en="Dakar", name_fr="Dakar", name_ar="داكار")
        db.session.commit()
        region_id = region.id
    owner = client_for(app, cast.owner)
    response = owner.post_form("/projects/new", listing_form(app, organisation_id=str(cast.ngo.id),
                                                               region_id=str(region_id)))
    assert response.status_code == 422
    assert "Choose a region of the chosen country." in response.get_data(as_text=True)


def test_cannot_list_for_an_organisation_one_does_not_belong_to(app, cast):
    owner = client_for(app, cast.owner)
    response = owner.post_form("/projects/new", listing_form(app, organisation_id=str(cast.other_ngo.id)))
    assert response.status_code == 422
    assert project_count(app) == 0


def test_investor_cannot_open_the_listing_form(app, cast):
    investor = client_for(app, cast.investor)
    assert investor.client.get("/projects/new").status_code == 403


def test_another_organisations_draft_is_invisible(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    stranger = client_for(app, cast.stranger)
    for url in (f"/projects/{project_id}", f"/projects/{project_id}/edit", f"/projects/{project_id}/versions",
                f"/projects/{project_id}/due-diligence"):
        assert stranger.client.get(url).status_code == 404, url
    anonymous = app.test_client()
    assert anonymous.get(f"/projects/{project_id}").status_code == 404


def test_another_organisations_member_cannot_edit_or_submit(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    stranger = client_for(app, cast.stranger)
    edit = stranger.post_form(f"/projects/{project_id}/edit", listing_form(app, title="Hijacked"),
                              form_url="/projects/mine")
    assert edit.status_code == 404
    submit = stranger.post_form(f"/projects/{project_id}/actions/submit", {"note": ""}, form_url="/projects/mine")
    assert submit.status_code == 404
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.title, project.status) == ("Centre de radiologie Oujda", "draft")


def test_roles_are_kept_apart_in_the_lifecycle(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner, reviewer, banker = (client_for(app, u) for u in (cast.owner, cast.reviewer, cast.banker))
    assert act(reviewer, project_id, "submit").status_code == 403
    assert status_of(app, project_id) == "draft"
    act(owner, project_id, "submit")
    assert act(owner, project_id, "start_review").status_code == 403
    assert act(banker, project_id, "approve").status_code == 403
    act(reviewer, project_id, "start_review")
    assert act(owner, project_id, "approve").status_code == 403
    assert status_of(app, project_id) == "in_review"


def test_illegal_transition_is_refused_with_a_message(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner = client_for(app, cast.owner)
    response = act(owner, project_id, "publish")
    assert response.status_code == 302
    assert status_of(app, project_id) == "draft"
    page = owner.client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "cannot be changed that way" in page


def test_decisions_that_need_a_note_refuse_an_empty_one(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    owner, reviewer = client_for(app, cast.owner), client_for(app, cast.reviewer)
    act(owner, project_id, "submit")
    act(reviewer, project_id, "reject", note="   ")
    assert status_of(app, project_id) == "submitted"


def test_submission_needs_a_partner_bank(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo)
    owner = client_for(app, cast.owner)
    act(owner, project_id, "submit")
    assert status_of(app, project_id) == "draft"
    assert "Name the partner bank" in owner.client.get(f"/projects/{project_id}").get_data(as_text=True)


def test_publication_waits_for_the_campaign_start(app, cast, projects):
    project_id = approve(app, cast, projects, campaign_starts_on=date.today() + timedelta(days=5))
    owner_client = client_for(app, cast.owner)
    act(owner_client, project_id, "publish")
    assert status_of(app, project_id) == "approved"
    runner = app.test_cli_runner()
    assert "Published 0" in runner.invoke(args=["projects", "publish-due"]).output
    with app.app_context():
        db.session.get(Project, project_id).campaign_starts_on = date.today()
        db.session.commit()
    assert "Published 1" in runner.invoke(args=["projects", "publish-due"]).output
    assert "Published 0" in runner.invoke(args=["projects", "publish-due"]).output
    assert status_of(app, project_id) == "published"


def test_bank_cannot_co_sign_a_project_of_another_bank(app, cast, projects, make):
    other_bank = make.organisation(type="bank")
    other_banker = make.user(organisation=other_bank)
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    act(client_for(app, cast.owner), project_id, "submit")
    intruder = client_for(app, other_banker)
    response = intruder.post_form(f"/projects/{project_id}/due-diligence", {"co_sign": "1"},
                                  form_url="/due-diligence")
    assert response.status_code == 404


def test_markdown_scripts_never_reach_the_page(app, cast, projects):
    project_id = publish(app, cast, projects)
    payload = ('<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> '
               '**ok** <a href="https://example.org" onclick="x()">link</a>')
    with app.app_context():
        db.session.get(Project, project_id).description = payload
        db.session.commit()
    import re

    html = app.test_client().get(f"/projects/{project_id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert not re.search(r"""href=["']?javascript:""", html)
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", html)  # no live event-handler attribute anywhere
    assert "<img" not in html.split('id="story-title"')[1].split("</section>")[0]
    assert "<strong>ok</strong>" in html


def test_reviewer_suspends_and_resumes_a_published_project(app, cast, projects):
    project_id = publish(app, cast, projects)
    reviewer, owner = client_for(app, cast.reviewer), client_for(app, cast.owner)
    act(reviewer, project_id, "suspend", note="Pièce justificative contestée.")
    assert status_of(app, project_id) == "suspended"
    assert app.test_client().get(f"/projects/{project_id}").status_code == 404
    assert act(owner, project_id, "resume").status_code == 403
    act(reviewer, project_id, "resume")
    assert status_of(app, project_id) == "published"


def test_owner_cancels_with_a_reason_and_the_listing_leaves_the_catalogue(app, cast, projects):
    from marketplace.notifications.models import Notification

    project_id = publish(app, cast, projects)
    owner = client_for(app, cast.owner)
    act(owner, project_id, "cancel", note="Le local a été vendu.")
    assert status_of(app, project_id) == "cancelled"
    assert act(owner, project_id, "resume").status_code == 403
    with app.app_context():
        kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == cast.owner.id)))
        assert "project.cancelled" in kinds
