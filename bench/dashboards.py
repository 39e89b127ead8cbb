"""Dashboards at scale: server time per request against a plain SQL query over the raw tables.

    python -m bench.dashboards --db-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python -m bench.dashboards --db-url sqlite

For each pledge count asked (by default 100,000 then 1,000,000) it builds a throw-away database with the
product's migrations, loads 10,000 projects, 100,000 investors living in the diaspora's countries, the
pledges, and 200,000 verified impact values, brings the dashboards' summary tables up to date the way
`flask dashboards rebuild` does, and then, in a fresh interpreter (as a server would be, without the
seeding's heap), as an authority reviewer of the projects' country, through the Flask test client:

- requests the capital dashboard, each breakdown with no filter and the corridor and sector breakdowns
  with each filter, `--repeat` times, and reports the median and 95th percentile of the server time;
- runs the same aggregates as plain SQL over the raw pledges (the page's table and its total as two
  GROUP BYs), the honest reference, and prints each dashboard figure's ratio to it;
- requests the PPP and impact dashboards, the catalogue's first page and a project page.

The pass mark of the dashboards issue is a median under 100 ms on PostgreSQL at 1,000,000 pledges for every
dashboard request, with no growth from 100,000 to 1,000,000 pledges. It is a benchmark, not a test: it
prints, writes `--json` if asked, and drops only the databases it created.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import case, func, insert, select

from bench.run import ScratchDatabase
from bench.seed import seed_pledges, seed_projects
from marketplace.extensions import db

PROJECTS = 10_000
INVESTORS = 100_000
REPORTED_VALUES = 200_000
PASSWORD = "bench reviewer password 42"  # noqa: S105 - a throw-away account in a throw-away database
IMPACT_INDICATORS = ("PI3687", "PI4060", "PI2822", "OI1479")  # jobs, clients served, people reached, revenue


def seed_impact(values: int, seed: int = 42) -> float:
    """A confirmed framework on every published project with four indicators and enough yearly periods to hold
    `values` reported values, 85 percent of them approved and verified by two reviewers; jobs are split by sex
    and age."""
    from marketplace.accounts.models import User
    from marketplace.impact.models import (
        Indicator,
        ProjectIndicator,
        ReportedValue,
        ReportingPeriod,
        ResultsFramework,
        Target,
        ValuePart,
    )
    from marketplace.organisations.models import Organisation
    from marketplace.projects.models import Project

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    projects = list(db.session.execute(select(Project.id, Project.organisation_id)
                                       .where(Project.status == "published").order_by(Project.id)))
    indicators = dict(db.session.execute(select(Indicator.code, Indicator.id)
                                         .where(Indicator.code.in_(IMPACT_INDICATORS))).all())
    codes = [code for code in IMPACT_INDICATORS if code in indicators]
    reporter, approver, verifier = db.session.scalars(select(User.id).order_by(User.id).limit(3)).all()
    owner_of = dict(db.session.execute(select(Organisation.id, Organisation.id)).all())
    periods_per_project = -(-values // (len(projects) * len(codes)))
    frameworks = [{"id": n + 1, "project_id": pid, "confirmed_at": now, "confirmed_by_id": verifier,
                   "created_at": now, "updated_at": now} for n, (pid, _org) in enumerate(projects)]
    _insert(ResultsFramework, frameworks)
    this_year = date.today().year
    period_rows, indicator_rows, target_rows, value_rows, part_rows = [], [], [], [], []
    for framework in frameworks:
        for k in range(periods_per_project):
            year = this_year - periods_per_project + k
            period_rows.append({"id": len(period_rows) + 1, "framework_id": framework["id"],
                                "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31)})
        for code in codes:
            indicator_rows.append({"id": len(indicator_rows) + 1, "framework_id": framework["id"],
                                   "indicator_id": indicators[code], "baseline_value": Decimal(0),
                                   "baseline_on": date(this_year - periods_per_project, 1, 1), "created_at": now})
    _insert(ReportingPeriod, period_rows)
    _insert(ProjectIndicator, indicator_rows)
    periods_of = {}
    for row in period_rows:
        periods_of.setdefault(row["framework_id"], []).append(row["id"])
    organisation_of = {n + 1: owner_of.get(org) for n, (_pid, org) in enumerate(projects)}
    for row in indicator_rows:
        jobs = row["indicator_id"] == indicators.get("PI3687")
        for period_id in periods_of[row["framework_id"]]:
            target = Decimal(rng.randint(5, 200))
            target_rows.append({"project_indicator_id": row["id"], "period_id": period_id, "value": target})
            if len(value_rows) >= values:
                continue
            amount = Decimal(rng.randint(0, int(target) + 20))
            roll = rng.random()  # 85 percent verified, the rest still on their way
            status = "verified" if roll < 0.85 else "submitted" if roll < 0.95 else "approved"
            approved, verified = status != "submitted", status == "verified"
            value_rows.append({"id": len(value_rows) + 1, "project_indicator_id": row["id"], "period_id": period_id,
                               "value": amount, "comment": "", "status": status, "reported_by_id": reporter,
                               "reporting_organisation_id": organisation_of[row["framework_id"]],
                               "submitted_at": now, "approved_at": now if approved else None,
                               "approved_by_id": approver if approved else None,
                               "verified_at": now if verified else None,
                               "verified_by_id": verifier if verified else None, "created_at": now, "updated_at": now})
            if jobs:
                women = Decimal(rng.randint(0, int(amount)))
                youth = Decimal(rng.randint(0, int(amount)))
                part_rows += [
                    {"reported_value_id": len(value_rows), "dimension": "sex", "category": "female", "value": women},
                    {"reported_value_id": len(value_rows), "dimension": "sex", "category": "male",
                     "value": amount - women},
                    {"reported_value_id": len(value_rows), "dimension": "age_band", "category": "15-24",
                     "value": youth},
                    {"reported_value_id": len(value_rows), "dimension": "age_band", "category": "25-34",
                     "value": amount - youth},
                    {"reported_value_id": len(value_rows), "dimension": "age_band", "category": "35+",
                     "value": Decimal(0)}]
    _insert(Target, target_rows)
    _insert(ReportedValue, value_rows)
    _insert(ValuePart, part_rows)
    db.session.commit()
    _fix_sequences(ResultsFramework, ReportingPeriod, ProjectIndicator, ReportedValue)
    return time.perf_counter() - started


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(model), rows[start:start + 5_000])


def _fix_sequences(*models) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                   f"(SELECT max(id) FROM {table}))"))
    db.session.commit()


def analyse() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()


def reviewer() -> str:
    """An authority reviewer of Morocco (every bench project is there); returns the e-mail."""
    from marketplace.accounts.services import create_account
    from marketplace.organisations.models import Organisation
    from marketplace.organisations.services import add_membership
    from marketplace.reference.models import Country

    morocco = db.session.scalar(select(Country.id).where(Country.iso2 == "MA"))
    ministry = Organisation(name="Bench ministry", slug="bench-ministry", type="ministry", country_id=morocco)
    db.session.add(ministry)
    db.session.flush()
    user = create_account(email="reviewer@bench.example.org", password=PASSWORD, display_name="Bench reviewer")
    add_membership(actor=None, organisation=ministry, user=user, role="member")
    db.session.commit()
    return user.email


# --- the measurements ---------------------------------------------------------------------------------------

def timed(call, repeat: int) -> dict:
    """Median and 95th percentile in ms after one warm-up call."""
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 2)}


def capital_filters() -> dict[str, str]:
    """One realistic value per filter, read from the data."""
    from marketplace.programmes.models import Programme
    from marketplace.projects.models import Project
    from marketplace.reference.models import Country, Sector

    morocco = db.session.scalar(select(Country.id).where(Country.iso2 == "MA"))
    region = db.session.scalar(select(Project.region_id).group_by(Project.region_id)
                               .order_by(func.count().desc(), Project.region_id).limit(1))
    sector = db.session.scalar(select(Sector.id).order_by(Sector.id).limit(1))
    programme = db.session.scalar(select(Programme.id).order_by(Programme.id).limit(1))
    this_month = datetime.now(UTC).strftime("%Y-%m")
    filters = {"none": "", "country": f"country={morocco}", "region": f"region={region}",
               "sector": f"sector={sector}", "sdg": "sdg=7", "period": f"from={this_month}&to={this_month}",
               "state": "state=published"}
    if programme:
        filters["programme"] = f"programme={programme}"
    return filters


BREAKDOWNS = ("corridor", "sector", "region", "programme", "instrument", "month")


def reference_statements(args: str, breakdown: str) -> list:
    """The capital page's aggregates as plain GROUP BYs over the raw pledges: its table and its total."""
    from urllib.parse import parse_qs

    from marketplace.dashboards.maintenance import ACTIVE, COLLECTED, COMMITTED, month_expression
    from marketplace.pledges.models import Pledge
    from marketplace.projects.models import Project, ProjectSdg

    values = {key: value[0] for key, value in parse_qs(args).items()}
    month = month_expression(Pledge.offered_at)
    where = [Pledge.status.in_(ACTIVE)]
    for arg, column in (("country", Project.country_id), ("region", Project.region_id),
                        ("sector", Project.sector_id), ("programme", Project.programme_id)):
        if arg in values:
            where.append(column == int(values[arg]))
    if "state" in values:
        where.append(Project.status == values["state"])
    if "sdg" in values:
        where.append(Project.id.in_(select(ProjectSdg.project_id).where(ProjectSdg.goal == int(values["sdg"]))))
    if "from" in values:
        where += [month >= values["from"], month <= values["to"]]
    committed, paid = Pledge.status.in_(COMMITTED), Pledge.status.in_(COLLECTED)
    measures = [func.count(), func.count(func.distinct(Pledge.investor_id)),
                func.count(func.distinct(case((committed, Pledge.investor_id)))),
                func.count(func.distinct(case((paid, Pledge.investor_id)))), func.sum(Pledge.amount_minor),
                func.sum(case((committed, Pledge.amount_minor), else_=0)),
                func.sum(case((paid, Pledge.amount_minor), else_=0))]
    keys = {"corridor": [Pledge.residence_country_id, Project.region_id], "sector": [Project.sector_id],
            "region": [Project.region_id], "programme": [Project.programme_id], "instrument": [Project.instrument],
            "month": [month]}[breakdown]
    return [select(*group, Project.currency, *measures).select_from(Pledge)
            .join(Project, Project.id == Pledge.project_id).where(*where).group_by(*group, Project.currency)
            for group in (keys, [])]


def measure(app, email: str, repeat: int) -> dict:
    from marketplace.projects.models import Project

    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    if response.status_code not in (302, 303):
        raise SystemExit(f"could not log in as the reviewer ({response.status_code})")
    results = {"capital": {}, "pages": {}}

    def get(path):
        def call():
            answer = client.get(path, headers={"Accept-Language": "en"})
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}")
        return call

    with app.app_context():
        filters = capital_filters()
        project = db.session.scalar(select(Project.id).where(Project.status == "published")
                                    .order_by(Project.pledged_minor.desc()).limit(1))
    for breakdown in BREAKDOWNS:
        for name, args in filters.items():
            if name != "none" and breakdown not in ("corridor", "sector"):
                continue  # every filter on the two kinds of table (cells, project months); the rest unfiltered
            page = timed(get(f"/dashboards/capital?by={breakdown}&{args}"), repeat)
            with app.app_context():
                statements = reference_statements(args, breakdown)

                def reference(statements=statements):
                    for statement in statements:
                        db.session.execute(statement).all()
                    db.session.rollback()

                raw = timed(reference, 3)
            results["capital"][f"{breakdown}, {name}"] = {
                "page": page, "raw_sql": raw, "ratio": round(page["median_ms"] / raw["median_ms"], 3)}
    pages = {"catalogue first page": "/projects/", "project page": f"/projects/{project}"}
    this_year = datetime.now(UTC).year
    for name, args in (("none", ""), ("region", filters["region"]), ("sector", filters["sector"]),
                       ("programme", filters.get("programme", "")),
                       ("period", f"from={this_year - 2}-01&to={this_year - 2}-12")):
        pages[f"PPP dashboard, {name}"] = f"/dashboards/ppp?{args}"
        pages[f"impact dashboard, {name}"] = f"/dashboards/impact?{args}"
    for name, path in pages.items():
        results["pages"][name] = timed(get(path), repeat)
    return results


def measure_fresh(url: str, email: str, repeat: int) -> dict:
    """`measure` in a new application on the database at `url` (run in a child process)."""
    from marketplace import create_app

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    try:
        return measure(app, email, repeat)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run_one(db_url: str, pledges: int, repeat: int, keep: bool = False) -> dict:
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.dashboards.maintenance import rebuild
    from marketplace.demo.projects import seed_programmes
    from marketplace.reference.services import load_reference_data

    scratch = ScratchDatabase(db_url)
    try:
        app = create_app("development", SQLALCHEMY_DATABASE_URI=scratch.url, WTF_CSRF_ENABLED=False,
                         RATELIMIT_ENABLED=False)
        with app.app_context():
            upgrade()
            load_reference_data()
            seed_programmes()
            db.session.commit()
            email = reviewer()
            timings = {"projects_s": seed_projects(PROJECTS)}
            timings["pledges_s"] = seed_pledges(pledges, INVESTORS)
            started = time.perf_counter()
            cells = rebuild()
            db.session.commit()
            timings["summary_rebuild_s"] = time.perf_counter() - started
            timings["impact_s"] = seed_impact(REPORTED_VALUES)
            timings["impact_summary_rebuild_s"] = rebuild_extra_summaries()
            analyse()
            db.session.remove()
            db.engine.dispose()
        # Measured by a fresh interpreter, as a server would be: the seeding leaves this one with millions of
        # objects whose garbage collection otherwise lands on the requests timed.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            measured = pool.apply(measure_fresh, (scratch.url, email, repeat))
        return {"pledges": pledges, "summary_cells": cells, "seconds": {k: round(v, 1) for k, v in timings.items()},
                **measured}
    finally:
        if keep:
            print(f"kept the database: {scratch.url}")
        else:
            scratch.drop()


def rebuild_extra_summaries() -> float:
    """The impact dashboard's summary, rebuilt as after a bulk load; returns the seconds it took."""
    from marketplace.dashboards.impact_maintenance import rebuild

    started = time.perf_counter()
    rebuild()
    db.session.commit()
    return time.perf_counter() - started


def summarise(database: str, results: list[dict]) -> list[str]:
    lines = ["| database | pledges | summary cells | request | median ms | p95 ms | raw SQL median ms | ratio |",
             "|---|---:|---:|---|---:|---:|---:|---:|"]
    for result in results:
        head = f"| {database} | {result['pledges']:,} | {result['summary_cells']:,}"
        for name, figures in result["capital"].items():
            lines.append(f"{head} | capital: {name} | {figures['page']['median_ms']} | {figures['page']['p95_ms']} "
                         f"| {figures['raw_sql']['median_ms']} | {figures['ratio']} |")
        for name, figures in result["pages"].items():
            lines.append(f"{head} | {name} | {figures['median_ms']} | {figures['p95_ms']} | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True, help="'sqlite' or a PostgreSQL server URL on 127.0.0.1")
    parser.add_argument("--pledges", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write every raw figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to look into a figure)")
    args = parser.parse_args()
    database = "sqlite" if args.db_url.startswith("sqlite") else "postgresql"
    results = []
    for pledges in args.pledges:
        results.append(run_one(args.db_url, pledges, args.repeat, args.keep))
        print(f"{database}, {pledges:,} pledges: seeded in {results[-1]['seconds']}", flush=True)
    print("\n".join(summarise(database, results)))
    if args.json:
        args.json.write_text(json.dumps({"database": database, "date": date.today().isoformat(),
                                         "results": results}, indent=2))


if __name__ == "__main__":
    main()
