"""Saving a plan: computed grant, replacement, audit, organisation-scope refusals that change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.errors import DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.ppp.plans import PlanRejectedError
from tests.ppp.conftest import Part

P01 = [Part("own_funds_fx", 2_450_000), Part("bank_loan", 6_370_000, "bank")]


def _saved_events(app) -> int:
    from marketplace.audit.models import AuditEvent

    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action == "ppp.plan_saved"))


def test_saving_an_mdm_plan_adds_the_computed_grant(plans):
    project = plans.project(scheme="MDM", sector="HEA")
    saved = plans.save(project, 9_800_000, P01)
    grant = [c for c in saved["components"] if c["kind"] == "grant"]
    assert grant == [{"kind": "grant", "amount_minor": 980_000_00, "currency": "MAD", "provider_organisation_id": None,
                      "status": "planned", "computed": True, "raised_by_campaign": False, "note": "MDM v2015"}]
    assert plans.stored(project) == saved


def test_saving_again_replaces_the_components_and_audits_before_and_after(app, plans):
    from marketplace.audit.models import AuditEvent

    project = plans.project(scheme="MDM", sector="HEA")
    first = plans.save(project, 9_800_000, P01)
    second = plans.save(project, 9_800_000, [Part("own_funds_fx", 2_450_000), Part("equity", 370_000),
                                             Part("bank_loan", 6_000_000, "bank")])
    assert [c["kind"] for c in plans.stored(project)["components"]] == ["own_funds_fx", "equity", "bank_loan", "grant"]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ppp.plan_saved")
                                    .order_by(AuditEvent.seq)).all()
        assert [e.object_id for e in events] == [str(project)] * 2
        assert events[0].before is None and events[0].after == first
        assert events[1].before == first and events[1].after == second
        assert events[1].actor_id == plans.owner.id


@pytest.mark.parametrize("who", ["investor", "banker", "other_organisation"])
def test_only_the_listing_organisation_may_edit_and_a_refusal_changes_nothing(app, plans, make, who):
    project = plans.project(scheme="MDM", sector="HEA")
    before = plans.save(project, 9_800_000, P01)
    events = _saved_events(app)
    actor = {"investor": lambda: plans.investor(),
             "banker": lambda: plans.banker,
             "other_organisation": lambda: make.user(organisation=make.organisation(type="ngo"), role="manager"),
             }[who]()
    with pytest.raises(ForbiddenError):
        plans.save(project, 9_800_000, [Part("own_funds_fx", 2_450_000), Part("bank_loan", 6_370_000)],
                   actor_id=actor.id)
    assert plans.stored(project) == before
    assert _saved_events(app) == events


def test_a_plan_that_breaks_a_rule_is_refused_whole(app, plans):
    project = plans.project(scheme="MDM", sector="HEA")
    before = plans.save(project, 9_800_000, P01)
    with pytest.raises(PlanRejectedError) as refused:
        plans.save(project, 10_000_000, [Part("own_funds_fx", 2_000_000), Part("equity", 600_000),
                                         Part("bank_loan", 6_400_000, "bank")])
    assert [p.code for p in refused.value.problems] == ["own_funds_below_minimum"]
    assert "Own funds 20 % < 25 %" in refused.value.message
    assert plans.stored(project) == before
    assert _saved_events(app) == 1


def test_a_first_plan_refused_leaves_no_plan(plans):
    project = plans.project(scheme="MDM", sector="HEA")
    with pytest.raises(PlanRejectedError):
        plans.save(project, 9_800_000, [Part("own_funds_fx", 2_450_000), Part("bank_loan", 6_000_000)])
    assert plans.stored(project) is None


def test_a_typed_grant_is_refused_where_the_rules_compute_it(plans):
    project = plans.project(scheme="MDM", sector="HEA")
    with pytest.raises(PlanRejectedError) as refused:
        plans.save(project, 9_800_000, [*P01, Part("grant", 980_000, "ministry")])
    assert "grant_typed" in [p.code for p in refused.value.problems]


def test_an_ineligible_sector_is_refused(plans):
    project = plans.project(scheme="MDM", sector="AGR")
    with pytest.raises(PlanRejectedError) as refused:
        plans.save(project, 9_800_000, P01)
    assert [p.code for p in refused.value.problems] == ["sector_not_eligible"]
    assert refused.value.field == "sector"


def test_a_plan_that_does_not_add_up_is_refused(plans):
    project = plans.project()
    with pytest.raises(PlanRejectedError) as refused:
        plans.save(project, 500_000, [Part("own_funds_local", 100_000), Part("bank_loan", 300_000, "bank")])
    assert [p.code for p in refused.value.problems] == ["sum_mismatch"]


def test_a_project_outside_programmes_only_needs_to_add_up(plans):
    project = plans.project()
    saved = plans.save(project, 500_000, [Part("bank_loan", 500_000, "bank"), Part("in_kind", 80_000, "commune")])
    assert [c["kind"] for c in saved["components"]] == ["bank_loan", "in_kind"]


def test_a_provider_that_does_not_exist_is_refused(app, plans):
    from marketplace.accounts.models import User
    from marketplace.ppp.plans import ComponentInput, set_plan
    from marketplace.projects.models import Project

    project_id = plans.project()
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        set_plan(db.session.get(Project, project_id), db.session.get(User, plans.owner.id), 500_000_00,
                 [ComponentInput("bank_loan", 500_000_00, provider_organisation_id=999_999)])
    assert refused.value.field == "components-0-provider_organisation_id"
    assert plans.stored(project_id) is None


@pytest.mark.parametrize(("total", "share_bp", "field"),
                         [(0, 10_000, "total_cost"), (100, 10_001, "diaspora_capital_share")])
def test_header_values_out_of_range_are_refused(app, plans, total, share_bp, field):
    from marketplace.accounts.models import User
    from marketplace.ppp.plans import ComponentInput, set_plan
    from marketplace.projects.models import Project

    project_id = plans.project()
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        set_plan(db.session.get(Project, project_id), db.session.get(User, plans.owner.id), total,
                 [ComponentInput("bank_loan", 100)], diaspora_capital_share_bp=share_bp)
    assert refused.value.field == field


def test_a_programme_without_rules_in_force_cannot_have_plans_checked(app, plans):
    from marketplace.programmes.models import Programme

    with app.app_context():
        db.session.add(Programme(code="NEW", name_en="New scheme", name_fr="Nouveau", name_ar="جديد"))
        db.session.commit()
    project = plans.project(scheme="NEW")
    with pytest.raises(DomainError, match="no rules in force"):
        plans.save(project, 500_000, [Part("bank_loan", 500_000, "bank")])


def test_plan_problems_reports_a_missing_plan_then_none(app, plans):
    from marketplace.ppp.plans import plan_problems
    from marketplace.projects.models import Project

    project_id = plans.project(scheme="INT", sector="AGR")
    with app.test_request_context():
        assert [p.code for p in plan_problems(db.session.get(Project, project_id), date.today())] == ["no_plan"]
    plans.save(project_id, 950_000, [Part("own_funds_local", 95_000), Part("bank_loan", 855_000, "bank"),
                                     Part("guarantee", 684_000, "programme_fund")])
    with app.test_request_context():
        assert plan_problems(db.session.get(Project, project_id), date.today()) == []
