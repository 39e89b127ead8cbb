"""The impact demo seed: frameworks for approved-or-later projects, values for projects in implementation and
completed, a mix of verified, submitted and returned values, and nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db


def test_seed_impact_follows_b6_and_runs_once(app):
    from marketplace.demo.services import seed_demo
    from marketplace.impact.demo import seed_impact
    from marketplace.impact.models import ProjectIndicator, ReportedValue, ResultsFramework
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        created = seed_demo()  # the demo seeds impact too; a second run adds nothing
        db.session.commit()
        assert seed_impact() == {"frameworks": 0, "values": 0}
        framed = set(db.session.scalars(select(Project.status).join(ResultsFramework,
                                                                    ResultsFramework.project_id == Project.id)))
        assert framed <= {"approved", "published", "funded", "in_implementation", "completed"}
        assert db.session.scalar(select(func.count(ResultsFramework.id)).where(
            ResultsFramework.confirmed_at.is_(None))) == 0
        reported = set(db.session.scalars(
            select(Project.status).join(ResultsFramework, ResultsFramework.project_id == Project.id)
            .join(ProjectIndicator, ProjectIndicator.framework_id == ResultsFramework.id)
            .join(ReportedValue, ReportedValue.project_indicator_id == ProjectIndicator.id)))
        assert reported == {"in_implementation", "completed"}
        statuses = dict(db.session.execute(
            select(ReportedValue.status, func.count()).group_by(ReportedValue.status)).all())
    assert created["frameworks"] == 35 and created["values"] == sum(statuses.values())
    assert set(statuses) == {"verified", "submitted", "returned"}
    assert statuses["submitted"] > statuses["returned"] > 0
    assert statuses["verified"] > 0.8 * created["values"]


def test_demo_diaspora_capital_is_what_the_ledger_collected(app):
    """DIA-01 on a project in implementation equals the paid pledges the PPP ledger counts."""
    from marketplace.demo.services import seed_demo
    from marketplace.impact.models import Indicator, ProjectIndicator, ReportedValue, ResultsFramework
    from marketplace.money import to_major
    from marketplace.ppp.ledger import ledger_of
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        seed_demo()
        db.session.commit()
        p01 = db.session.scalar(select(Project).where(Project.code == "P01"))
        value = db.session.scalar(
            select(ReportedValue.value)
            .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
            .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
            .where(Indicator.code == "DIA-01", ReportedValue.status == "verified",
                   ProjectIndicator.framework_id.in_(select(ResultsFramework.id).where(
                       ResultsFramework.project_id == p01.id))))
        collected = next(line.disbursed for line in ledger_of(p01).cash if line.source == "crowd")
        assert value == to_major(collected, p01.currency) and collected > 0
