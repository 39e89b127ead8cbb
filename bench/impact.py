"""Impact dashboard benchmark: 10,000 projects, each with a confirmed framework of 5 indicators x 4 annual
periods, a target and a reported value in every cell (200,000 of each), parts by sex and age band on jobs.

`python -m bench.impact --db-url <PostgreSQL server on 127.0.0.1 | sqlite> [--keep]` builds a scratch database
with the migrations, seeds it with COPY, then times `impact_report` in process (median of 30 requests per
filter combination) and counts its statements. Values: 85 % verified, 10 % submitted, 5 % approved.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bench.seed import _bulk_insert, seed_projects

INDICATORS = ("PI3687", "OI8869", "FP6510", "PI2998", "OI6213")
YEARS = (2023, 2024, 2025, 2026)
SCALE = 10_000


def seed_impact(*, seed: int = 42) -> dict:
    """Frameworks, targets, values and parts for every project; returns counts and seconds."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.impact.catalogue import load_indicator_catalogue
    from marketplace.impact.models import Indicator
    from marketplace.projects.models import Project

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    load_indicator_catalogue()
    users = []
    for n in range(3):
        user = User(email=f"impact{n}@bench.example.org", password_hash="!", display_name=f"Impact {n}",  # noqa: S106
                    locale="fr", is_investor=False, session_token=f"bench-impact-{n}")
        db.session.add(user)
        users.append(user)
    db.session.flush()
    reporter, approver, verifier = (u.id for u in users)
    codes = {code: id_ for code, id_ in db.session.execute(select(Indicator.code, Indicator.id))}  # noqa: C416
    projects = list(db.session.execute(select(Project.id, Project.organisation_id).order_by(Project.id)))
    db.session.execute(db.update(Project).values(status="in_implementation"))
    framework_rows, period_rows, pi_rows, target_rows, value_rows, part_rows = [], [], [], [], [], []
    period_id = pi_id = value_id = part_id = 0
    for framework_id, (project_id, organisation_id) in enumerate(projects, start=1):
        framework_rows.append((framework_id, project_id, now, verifier, now, now))
        periods = []
        for year in YEARS:
            period_id += 1
            periods.append(period_id)
            period_rows.append((period_id, framework_id, date(year, 1, 1), date(year, 12, 31)))
        size = rng.randint(5, 60)
        for code in INDICATORS:
            pi_id += 1
            baseline = 0 if code.startswith("P") or code == "FP6510" else size
            pi_rows.append((pi_id, framework_id, codes[code], baseline * SCALE, date(2022, 12, 31), now))
            for index, period in enumerate(periods):
                goal = {"PI3687": size * (index + 1) // 4, "OI8869": size + index * 3, "FP6510": size * 20_000,
                        "PI2998": size * 2, "OI6213": size // 3 + index}[code]
                target_rows.append((pi_id, period, goal * SCALE))
                value_id += 1
                actual = int(goal * rng.uniform(0.5, 1.15))
                roll = rng.random()
                status = "verified" if roll < 0.85 else "submitted" if roll < 0.95 else "approved"
                approved = now if status != "submitted" else None
                verified = now if status == "verified" else None
                value_rows.append((value_id, pi_id, period, actual * SCALE, "", status, reporter, organisation_id,
                                   now, approved, approver if approved else None, verified,
                                   verifier if verified else None, now, now))
                if code == "PI3687":
                    women = int(actual * rng.uniform(0.2, 0.45))
                    young = int(actual * rng.uniform(0.15, 0.3))
                    middle = (actual - young) // 2
                    for dimension, category, part in (
                            ("sex", "female", women), ("sex", "male", actual - women),
                            ("age_band", "15-24", young), ("age_band", "25-34", middle),
                            ("age_band", "35+", actual - young - middle)):
                        part_id += 1
                        part_rows.append((part_id, value_id, dimension, category, part * SCALE))
    _bulk_insert("impact_frameworks", ("id", "project_id", "confirmed_at", "confirmed_by_id", "created_at",
                                       "updated_at"), framework_rows)
    _bulk_insert("impact_periods", ("id", "framework_id", "starts_on", "ends_on"), period_rows)
    _bulk_insert("impact_project_indicators", ("id", "framework_id", "indicator_id", "baseline_value", "baseline_on",
                                               "created_at"), pi_rows)
    _bulk_insert("impact_targets", ("project_indicator_id", "period_id", "value"), target_rows)
    _bulk_insert("impact_reported_values", (
        "id", "project_indicator_id", "period_id", "value", "comment", "status", "reported_by_id",
        "reporting_organisation_id", "submitted_at", "approved_at", "approved_by_id", "verified_at",
        "verified_by_id", "created_at", "updated_at"), value_rows)
    _bulk_insert("impact_value_parts", ("id", "reported_value_id", "dimension", "category", "value"), part_rows)
    if db.engine.dialect.name == "postgresql":
        for table in ("impact_frameworks", "impact_periods", "impact_project_indicators", "impact_reported_values",
                      "impact_value_parts"):
            # table names are this module's constants, never input
            db.session.execute(db.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))  # noqa: S608
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    try:
        from marketplace.dashboards.impact_maintenance import rebuild
    except ImportError:
        rows = None
    else:
        rows = rebuild()
    db.session.commit()
    rebuilt = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return {"values": len(value_rows), "targets": len(target_rows), "parts": len(part_rows),
            "seed_seconds": round(seeded, 1), "rebuild_seconds": round(rebuilt, 2), "summary_rows": rows}


FILTERS = {
    "everything": {},
    "sector": {"sector": "HEA"},
    "region": {"region": "MA-02"},
    "window 2025": {"from": "2025-01", "to": "2025-12"},
    "indicator PI3687": {"indicator": "PI3687"},
}


def time_report(app, rounds: int = 30) -> dict:
    """Median and p90 in-process milliseconds of the dashboard request for an admin, and its statement count."""
    from sqlalchemy import event

    from marketplace.dashboards import impact_queries as iq
    from marketplace.dashboards.impact_forms import impact_filter_options, parse_impact_filters
    from marketplace.dashboards.queries import Scope
    from marketplace.extensions import db
    from marketplace.reference.models import Region, Sector

    results = {}
    with app.app_context(), app.test_request_context():
        ids = {"HEA": db.session.scalar(select(Sector.id).where(Sector.code == "HEA")),
               "MA-02": db.session.scalar(select(Region.id).where(Region.iso_code == "MA-02"))}
        scope = Scope(everything=True)
        options = impact_filter_options(scope)
        for name, raw in FILTERS.items():
            args = {key: str(ids.get(value, value)) if key in ("sector", "region") else value
                    for key, value in raw.items()}
            if "indicator" in args:
                args["indicator"] = str(next(i for i, label in options.indicators if label.startswith("PI3687")))
            filters, errors = parse_impact_filters(args, options)
            assert not errors, errors
            statements: list[str] = []

            def listener(*event_args, found=statements):
                found.append(event_args[2])

            event.listen(db.engine, "before_cursor_execute", listener)
            iq.impact_report(scope, filters, indicators=options.catalogue, labels=options.labels())
            event.remove(db.engine, "before_cursor_execute", listener)
            timings = []
            for _ in range(rounds):
                begun = time.perf_counter()
                iq.impact_report(scope, filters, indicators=options.catalogue, labels=options.labels())
                timings.append((time.perf_counter() - begun) * 1000)
            timings.sort()
            results[name] = {"median_ms": round(statistics.median(timings), 1),
                             "p90_ms": round(timings[int(len(timings) * 0.9)], 1), "statements": len(statements)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="print the scratch database URL and keep it")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from bench.run import ScratchDatabase
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.reference.services import load_reference_data

    scratch = ScratchDatabase(args.db_url)
    try:
        app = create_app("development", SQLALCHEMY_DATABASE_URI=scratch.url)
        with app.app_context():
            upgrade()
            load_reference_data()
            db.session.commit()
            seed_projects(args.projects)
            seeded = seed_impact()
            print(seeded)
            print(db.session.scalar(select(func.count()).select_from(db.metadata.tables["impact_reported_values"])))
            db.session.remove()
        for name, figures in time_report(app).items():
            print(f"{name:20} {figures}")
        with app.app_context():
            db.engine.dispose()
    finally:
        if args.keep:
            print("kept:", scratch.url)
        else:
            scratch.drop()


if __name__ == "__main__":
    main()
