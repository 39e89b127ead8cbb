"""Updates from the owner and public questions with the owner's answers, on published listings."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.projects.models import ProjectQuestion
from tests.projects.test_vetting_journey import client_for, publish


def test_owner_posts_an_update_that_everyone_reads(app, cast, projects):
    project_id = publish(app, cast, projects)
    owner = client_for(app, cast.owner)
    response = owner.post_form(f"/projects/{project_id}/updates",
                               {"title": "Le scanner est livré", "body": "Installation **terminée**."},
                               form_url=f"/projects/{project_id}")
    assert response.status_code == 302
    html = app.test_client().get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Le scanner est livré" in html and "<strong>terminée</strong>" in html


def test_only_the_owner_posts_updates(app, cast, projects):
    project_id = publish(app, cast, projects)
    investor = client_for(app, cast.investor)
    response = investor.post_form(f"/projects/{project_id}/updates", {"title": "Fake", "body": "Fake news"},
                                  form_url=f"/projects/{project_id}")
    assert response.status_code == 403
    assert "Fake news" not in app.test_client().get(f"/projects/{project_id}").get_data(as_text=True)


def test_investor_asks_and_owner_answers_publicly(app, cast, projects):
    project_id = publish(app, cast, projects)
    investor, owner = client_for(app, cast.investor), client_for(app, cast.owner)
    investor.post_form(f"/projects/{project_id}/questions", {"body": "Quel est le loyer du local ?"},
                       form_url=f"/projects/{project_id}")
    with app.app_context():
        question = db.session.scalar(select(ProjectQuestion).where(ProjectQuestion.project_id == project_id))
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == cast.owner.id,
                                                                 Notification.kind == "project.question"))
    assert investor.post_form(f"/projects/{project_id}/questions/{question.id}/answer", {"answer": "x"},
                              form_url=f"/projects/{project_id}").status_code == 403
    owner.post_form(f"/projects/{project_id}/questions/{question.id}/answer", {"answer": "12 000 MAD par mois."},
                    form_url=f"/projects/{project_id}")
    html = app.test_client().get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Quel est le loyer du local ?" in html and "12 000 MAD par mois." in html
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == cast.investor.id)) == \
            "project.answered"


def test_questions_are_refused_on_unpublished_listings(app, cast, projects):
    project_id = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank)
    investor = client_for(app, cast.investor)
    response = investor.post_form(f"/projects/{project_id}/questions", {"body": "Une question ?"},
                                  form_url="/projects/")
    assert response.status_code == 404
