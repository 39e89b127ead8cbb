"""PPP tranches tied to impact indicators: released only once the milestone's results are verified (issue 6.6)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError, DomainError
from marketplace.extensions import db


def test_a_tranche_waits_for_verified_results_not_merely_approved_ones(app, make, impact):
    from marketplace.accounts.models import User
    from marketplace.ppp import milestones
    from marketplace.ppp.ledger_models import Milestone, Tranche
    from marketplace.ppp.models import FinancingComponent
    from marketplace.ppp.plans import ComponentInput, set_plan
    from marketplace.projects.models import ProjectDocument

    fund = make.organisation(type="donor")
    treasurer = make.user(organisation=fund)

    def prepare():
        project, owner = impact.project(), impact.user(impact.cast.owner)
        set_plan(project, owner, 100_000_00, [
            ComponentInput("own_funds_local", 60_000_00, status="committed"),
            ComponentInput("grant", 40_000_00, fund.id, status="committed")])
        grant = db.session.scalar(select(FinancingComponent).where(FinancingComponent.project_id == project.id,
                                                                   FinancingComponent.kind == "grant"))
        with pytest.raises(DomainError, match="not in the indicator catalogue"):
            milestones.add_milestone(owner, project, title="Jobs created", due_on=date(2026, 6, 30),
                                     evidence_required="Payroll", indicator_codes=["XX9999"])
        milestone = milestones.add_milestone(owner, project, title="Jobs created", due_on=date(2026, 6, 30),
                                             evidence_required="Payroll", indicator_codes=["pi3687"])
        tranche = milestones.add_tranche(owner, project, milestone=milestone, component=grant,
                                         amount_minor=40_000_00)
        document = ProjectDocument(project_id=project.id, kind="evidence", title="Payroll", storage_name="payroll",
                                   original_name="payroll.pdf", size_bytes=1, page_count=1, is_public=False)
        db.session.add(document)
        db.session.flush()
        milestones.submit_evidence(owner, project, milestone, document=document)
        milestones.approve_milestone(impact.user(impact.reviewer), project, milestone)
        return milestone.id, tranche.id

    milestone_id, tranche_id = impact.call(prepare)

    def release(reference: str):
        def work():
            return milestones.release_tranche(db.session.get(User, treasurer.id), impact.project(),
                                              db.session.get(Tranche, tranche_id), disbursed_on=date.today(),
                                              reference=reference).id
        return impact.call(work)

    with pytest.raises(ConflictError, match="PI3687"):
        release("G-1")
    earlier = impact.report("PI3687", period=0, value="3")  # 2025: not the milestone's period
    impact.walk(earlier, "verified")
    value = impact.report("PI3687", period=1, value="4")
    impact.walk(value, "approved")
    with pytest.raises(ConflictError, match="PI3687"):
        release("G-1")  # approved is still pending: only verified results count
    impact.step(value, "verify", by=impact.reviewer)
    release("G-1")
    with app.app_context():
        assert db.session.get(Tranche, tranche_id).status == "released"
        assert db.session.get(Milestone, milestone_id).status == "met"
