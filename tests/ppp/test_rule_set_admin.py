"""Admins publish and correct programme rule sets; bound versions never change; bad JSON changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from tests.ppp.conftest import Part, rules_of


def login(browserless, user) -> None:
    assert browserless.login(user.email, user.password).status_code == 302


def versions(app, code: str) -> list[tuple[str, date, date | None]]:
    from marketplace.ppp.models import RuleSet
    from marketplace.programmes.models import Programme

    with app.app_context():
        return [(r.version, r.valid_from, r.valid_to) for r in db.session.scalars(
            select(RuleSet).join(Programme).where(Programme.code == code).order_by(RuleSet.valid_from))]


def current_params(app, code: str) -> dict:
    with app.app_context():
        return dict(rules_of(code).params)


def test_an_admin_publishes_a_new_version_that_closes_the_open_one(app, plans, make, browserless):
    from marketplace.audit.models import AuditEvent

    admin = make.admin()
    login(browserless, admin)
    params = current_params(app, "MDM") | {"min_own_funds_percent": "30"}
    starts = date.today() + timedelta(days=30)
    response = browserless.post_form("/admin/programmes/MDM/rule-sets/new", {
        "version": "v2027", "valid_from": starts.isoformat(), "valid_to": "", "params": json.dumps(params)})
    assert response.status_code == 302
    # The open version now ends where the new one starts.
    assert versions(app, "MDM")[-2:] == [("v2015", date(2015, 1, 1), starts), ("v2027", starts, None)]
    with app.app_context():
        assert rules_of("MDM").version != "v2027"  # still the old rules today
        assert rules_of("MDM", starts).version == "v2027"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("ppp.rule_set_created", "ppp.rule_set_closed")))) == 2
    page = browserless.client.get("/admin/programmes/").get_data(as_text=True)
    assert "v2027" in page


def test_bad_rules_are_refused_with_the_field_at_fault_and_nothing_changes(app, plans, make, browserless):
    admin = make.admin()
    login(browserless, admin)
    before = versions(app, "MDM")
    good = json.dumps(current_params(app, "MDM"))
    cases = [
        ({"params": "{not json"}, "not valid JSON"),
        ({"params": json.dumps(current_params(app, "MDM") | {"max_bank_percnt": "65"})}, "max_bank_percnt"),
        ({"params": "[1, 2]"}, "JSON object"),
        ({"valid_from": "2030-01-01", "valid_to": "2029-01-01"}, "end after it starts"),
        ({"version": "v2015"}, "already has a version"),
        ({"valid_from": "2010-01-01", "valid_to": "2016-01-01"}, "already in force"),
    ]
    for change, message in cases:
        data = {"version": "v2031", "valid_from": "2031-01-01", "valid_to": "", "params": good} | change
        response = browserless.post_form("/admin/programmes/MDM/rule-sets/new", data)
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert versions(app, "MDM") == before


def test_a_version_bound_to_an_approved_project_cannot_be_corrected(app, plans, make, browserless):
    from marketplace.ppp.models import FinancingPlan, RuleSet
    from marketplace.ppp.plans import bind_rule_set
    from marketplace.projects.models import Project

    project = plans.project(scheme="MDM", sector="HEA", status="draft")
    plans.save(project, 9_800_000, [Part("own_funds_fx", 2_450_000), Part("bank_loan", 6_370_000, "bank")])
    with app.app_context():
        bind_rule_set(db.session.get(Project, project), date.today())
        db.session.commit()
        bound_id = db.session.scalar(select(FinancingPlan.rule_set_id).where(FinancingPlan.project_id == project))
        params = db.session.get(RuleSet, bound_id).params
    admin = make.admin()
    login(browserless, admin)
    changed = json.dumps(params | {"max_bank_percent": "70"})
    response = browserless.post_form(f"/admin/programmes/rule-sets/{bound_id}", {
        "version": "x", "valid_from": "2015-01-01", "valid_to": "", "params": changed})
    assert response.status_code == 422 and "cannot change" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RuleSet, bound_id).params == params


def test_an_unbound_version_is_corrected_and_others_are_refused_the_pages(app, plans, make, browserless):
    from marketplace.ppp.models import RuleSet

    admin = make.admin()
    login(browserless, admin)
    params = current_params(app, "INT")
    assert browserless.post_form("/admin/programmes/INT/rule-sets/new", {
        "version": "v2030", "valid_from": "2030-01-01", "valid_to": "", "params": json.dumps(params)}
    ).status_code == 302
    with app.app_context():
        new_id = db.session.scalar(select(RuleSet.id).where(RuleSet.version == "v2030"))
    corrected = params | {"guarantee_percent": "70"}
    assert browserless.post_form(f"/admin/programmes/rule-sets/{new_id}", {
        "version": "ignored", "valid_from": "1999-01-01", "valid_to": "2031-01-01",
        "params": json.dumps(corrected)}).status_code == 302
    with app.app_context():
        row = db.session.get(RuleSet, new_id)
        assert (row.version, row.valid_from, row.valid_to, row.params["guarantee_percent"]) == \
            ("v2030", date(2030, 1, 1), date(2031, 1, 1), "70")
    browserless.logout()
    login(browserless, plans.owner)
    assert browserless.client.get("/admin/programmes/").status_code == 403
    assert browserless.post_form(f"/admin/programmes/rule-sets/{new_id}", {"params": "{}"},
                                 form_url="/").status_code == 403
