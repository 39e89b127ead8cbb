"""Impact demo data (domain-facts b.6): frameworks for every demo project approved or later, and reported values
for projects in implementation (this year) and completed, b.5's "operational" (last year and this year).

Everything goes through the services, with the demo people a real partnership would have: the project's
organisation sets the framework up, the ministry's reviewer confirms it; values are reported by the owner's
staff when a monitoring partner exists (approved by the monitor), otherwise by the partner bank's officer
(approved by the owner's manager), and verified by the reviewer. About 10 percent are left submitted and
5 percent returned, to exercise the workflow. Periods are calendar years: last year, this year, next year;
DIA-01 (diaspora capital mobilised) reports what the campaign's paid pledges add up to.
Targets of summed indicators are per-year increments (40, 40 and 20 percent of the jobs target, so that the
three years add up to b.6's cumulative 40/80/100 percent); levels (headcounts) carry the cumulative target.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.impact import framework as frameworks
from marketplace.impact import reporting
from marketplace.impact.catalogue import load_indicator_catalogue
from marketplace.impact.models import Indicator, ResultsFramework
from marketplace.projects.models import Project

FRAMED_STATUSES = ("approved", "published", "funded", "in_implementation", "completed")
# Which of the three periods (last year, this year, next year) each state has reported.
PERIODS_REPORTED = {"in_implementation": (1,), "completed": (0, 1)}
FEMALE_SHARE = {"LOG": (20, 28), "IND": (20, 30), "AGR": (25, 35), "TOU": (30, 40), "ICT": (25, 35),
                "ENR": (20, 30), "HEA": (35, 45), "EDU": (35, 45)}
FOOTNOTE = "FTE computed from 40-h week; seasonal workers converted via hours. Demo data."
STEP_SHARES = (Decimal("0.4"), Decimal("0.4"), Decimal("0.2"))
LEVEL_SHARES = (Decimal("0.4"), Decimal("0.8"), Decimal("1"))


def seed_impact(today: date | None = None) -> dict[str, int]:
    """Frameworks and values for the demo projects that have none yet; safe to run again."""
    today = today or date.today()
    load_indicator_catalogue()
    catalogue = {i.code: i for i in db.session.scalars(select(Indicator))}
    reviewer = _user("reviewer@demo.passerelle.org")
    banker = _user("bank.officer@demo.passerelle.org")
    monitor = _user("monitor@demo.passerelle.org")
    framed = set(db.session.scalars(select(ResultsFramework.project_id)))
    projects = db.session.scalars(select(Project).where(Project.is_demo.is_(True), Project.status.in_(FRAMED_STATUSES))
                                  .order_by(Project.code)).all()
    created = {"frameworks": 0, "values": 0}
    counter = 0
    for project in projects:
        if project.id in framed or reviewer is None:
            continue
        owner = _user(f"staff.{project.organisation.slug}@demo.passerelle.org")
        if owner is None:
            continue
        rng = random.Random(project.code)  # noqa: S311 - demo figures, reproducible per project
        plan = _indicator_plan(project, catalogue, rng)
        rows, periods = _framework(project, owner, reviewer, plan, today)
        created["frameworks"] += 1
        reported = PERIODS_REPORTED.get(project.status, ())
        if not reported:
            continue
        raised = _paid_pledges_major(project)
        parties = reporting.parties_of(project)
        reporter, approver = (owner, monitor) if monitor is not None and parties.monitor_ids & _org_ids(monitor) \
            else (banker, owner)
        for code, (project_indicator, targets) in rows.items():
            for index in reported:
                if code == "DIA-01":
                    if index != 1:
                        continue  # the campaign's money arrived this year, and it is what the ledger shows
                    _report_exact(project, project_indicator, periods[index], raised, reporter, approver, reviewer)
                    created["values"] += 1
                    continue
                counter += 1
                state = "returned" if counter % 20 == 7 else "submitted" if counter % 10 == 3 else "verified"
                _report(project, project_indicator, periods[index], targets[index], plan[code], rng, reporter,
                        approver, reviewer, state)
                created["values"] += 1
    return created


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _org_ids(user: User) -> set[int]:
    return {m.organisation_id for m in user.memberships}


def _indicator_plan(project: Project, catalogue: dict, rng: random.Random) -> dict[str, dict]:
    """Which b.6 indicators apply to the project, with the baseline and the full target of each."""
    sector = project.sector.code
    scheme = project.programme.code if project.programme else ""
    jobs = Decimal(project.expected_jobs or 0)
    extension = "extension" in project.title.lower() or "rénov" in project.title.lower()
    headcount = (jobs * Decimal("0.6")).to_integral_value() if extension else Decimal(0)
    plan: dict[str, dict] = {}
    if jobs > 0 and scheme != "3X1":
        plan["PI3687"] = {"baseline": Decimal(0), "target": jobs, "split": "sex"}
        plan["OI8869"] = {"baseline": headcount, "target": headcount + jobs, "split": "sex"}
        female = Decimal(rng.randint(*FEMALE_SHARE.get(sector, (25, 35)))) / 100
        plan["OI6213"] = {"baseline": (headcount * female).to_integral_value(),
                          "target": ((headcount + jobs) * female).to_integral_value(), "split": None}
        plan["FP6510"] = {"baseline": Decimal(0), "target": Decimal(project.target_minor // 100) * 2, "split": None}
        if extension:
            plan["PI5691"] = {"baseline": headcount, "target": headcount * 3, "split": None}
    if sector in {"HEA", "EDU", "TOU"} or scheme == "3X1":
        plan["PI4060"] = {"baseline": Decimal(0), "target": Decimal(rng.randint(300, 2500)), "split": None}
    if sector == "EDU" or scheme == "FOR":
        plan["PI2998"] = {"baseline": Decimal(0), "target": Decimal(rng.randint(40, 300)), "split": "sex"}
    if sector == "ENR":
        plan["PI5842"] = {"baseline": Decimal(0), "target": Decimal(rng.randint(200, 1800)), "split": None}
    plan["DIA-01"] = {"baseline": Decimal(0), "target": Decimal(project.target_minor // 100), "split": None}
    for code, entry in plan.items():
        entry["indicator"] = catalogue[code]
        entry["female"] = Decimal(rng.randint(*FEMALE_SHARE.get(sector, (25, 35)))) / 100
    return plan


def _framework(project: Project, owner: User, reviewer: User, plan: dict, today: date):
    """Indicators, three calendar-year periods and their targets, confirmed by the reviewer (the demo's set-up
    happens after approval, which the late set-up rule of the framework allows for unconfirmed frameworks)."""
    periods = [frameworks.add_period(None, project, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))
               for year in (today.year - 1, today.year, today.year + 1)]
    rows = {}
    for code, entry in plan.items():
        project_indicator = frameworks.add_indicator(None, project, entry["indicator"].id, baseline=entry["baseline"],
                                                     baseline_on=date(today.year - 2, 12, 31),
                                                     baseline_note="Situation before the project (demo data).")
        level = entry["indicator"].aggregation != "sum"
        targets = []
        for number, (period, share) in enumerate(zip(periods, LEVEL_SHARES if level else STEP_SHARES, strict=True)):
            if level:
                value = (entry["baseline"] + (entry["target"] - entry["baseline"]) * share).to_integral_value()
            elif number == len(periods) - 1:
                value = entry["target"] - sum(targets)  # the steps add up to the full target exactly
            else:
                value = (entry["target"] * share).to_integral_value()
            frameworks.set_target(None, project, project_indicator.id, period.id, value)
            targets.append(value)
        rows[code] = (project_indicator, targets)
    frameworks.confirm(reviewer, project)
    return rows, periods


def _paid_pledges_major(project: Project) -> Decimal:
    """What the campaign collected, in major units: the figure DIA-01 reports, as the ledger shows it."""
    from sqlalchemy import func

    from marketplace.money import to_major
    from marketplace.pledges.models import Pledge

    paid = db.session.scalar(select(func.coalesce(func.sum(Pledge.amount_minor), 0))
                             .where(Pledge.project_id == project.id, Pledge.status == "paid"))
    return to_major(int(paid), project.currency)


def _report_exact(project, project_indicator, period, value: Decimal, reporter: User, approver: User,
                  reviewer: User) -> None:
    row = reporting.report_value(reporter, project, project_indicator_id=project_indicator.id, period_id=period.id,
                                 value=str(value), parts={}, comment="Paid pledges, from the ledger. Demo data.")
    reporting.change_status(reporter, row, "submit")
    reporting.change_status(approver, row, "approve")
    reporting.change_status(reviewer, row, "verify")


def _report(project, project_indicator, period, target: Decimal, entry: dict, rng: random.Random, reporter: User,
            approver: User, reviewer: User, state: str) -> None:
    """One value at 70–110 percent of its target, split by sex where the indicator allows, walked to `state`."""
    value = (target * Decimal(rng.randint(70, 110)) / 100).to_integral_value()
    parts = {}
    if entry["split"] == "sex" and "sex" in entry["indicator"].disaggregations:
        female = (value * entry["female"]).to_integral_value()
        parts = {"sex": {"female": str(female), "male": str(value - female)}}
    row = reporting.report_value(reporter, project, project_indicator_id=project_indicator.id, period_id=period.id,
                                 value=str(value), parts=parts, comment=FOOTNOTE)
    reporting.change_status(reporter, row, "submit")
    if state == "submitted":
        return
    if state == "returned":
        reporting.change_status(approver, row, "return",
                                note="Joindre le registre du personnel signé (démo) / attach the signed payroll.")
        return
    reporting.change_status(approver, row, "approve")
    reporting.change_status(reviewer, row, "verify")
