"""The demo's ledgers and milestones: sums that hold for every project, and progress that follows each state."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db


def test_demo_ledgers_add_up_and_follow_each_projects_state(app, runner):
    from marketplace.audit.services import verify_chain
    from marketplace.ppp.ledger import COMMITTED_STATUSES, ledger_of
    from marketplace.ppp.ledger_models import Disbursement, Milestone, Tranche
    from marketplace.ppp.models import FinancingComponent
    from marketplace.projects.models import Project

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        projects = db.session.scalars(select(Project).where(Project.status.in_(
            ("funded", "in_implementation", "completed"))).order_by(Project.code)).all()
        assert len(projects) == 23
        milestone_states = {}
        for project in projects:
            ledger = ledger_of(project)
            components = db.session.scalars(select(FinancingComponent).where(
                FinancingComponent.project_id == project.id)).all()
            for line in ledger.cash:
                assert 0 <= line.disbursed <= line.committed or line.source != "plan", (project.code, line)
                if line.source == "plan":
                    mine = [c for c in components if c.id in line.component_ids]
                    assert line.committed == sum(c.amount_minor for c in mine if c.status in COMMITTED_STATUSES)
                    assert line.disbursed == db.session.scalar(
                        select(func.coalesce(func.sum(Disbursement.amount_minor), 0))
                        .where(Disbursement.component_id.in_(line.component_ids)))
            plan_lines = [line for line in ledger.cash if line.source == "plan"]
            states = [m.status for m in db.session.scalars(select(Milestone).where(
                Milestone.project_id == project.id).order_by(Milestone.position))]
            milestone_states[project.code] = states
            if project.status == "funded":
                assert ledger.entries == [] and set(states) == {"pending"}
            elif project.status == "completed":
                assert set(states) == {"met"}
                assert all(line.remaining == 0 for line in plan_lines), project.code
            else:
                assert states[0] == "met" and states[1] in ("submitted", "returned"), project.code
        released = dict(db.session.execute(select(Tranche.status, func.count()).group_by(Tranche.status)).all())
        assert released["released"] > 0 and released["planned"] > 0
        # P07-style caps aside, P01 is the reference: own FX 2.45 M raised by the campaign, grant 40 percent paid.
        p01 = next(p for p in projects if p.code == "P01")
        lines = {(line.source, line.kind): line for line in ledger_of(p01).cash}
        assert lines[("crowd", "own_funds_fx")].planned == 2_450_000_00
        assert lines[("plan", "grant")].disbursed == 392_000_00
        assert "returned" in {s for states in milestone_states.values() for s in states}
        assert verify_chain().ok
