"""Concurrent pledging: the guarded service path against plain INSERTs of the same rows, on PostgreSQL.

    python -m bench.pledges --db-url pg --racers 200 --rounds 3 --json bench/results-pledges.json

Why: `place_pledge` reserves capacity with a conditional UPDATE of the project row and writes the audit
chain, so every pledge to one project queues on that row lock (and every audited change on the audit
head). The pledges issue asks that 200 simultaneous pledges keep at least 50 % of the throughput of
inserting the same rows with no guard at all, without ever over-reserving. This measures exactly that.

It creates a scratch database (dropped at the end), migrates it, loads the reference data, creates 200
investors resident in Morocco (no revocation period, no questionnaire) and, per round and scenario, fresh
published projects in MAD:
  (a) plenty: the target is ten times what all racers pledge together;
  (b) last 10 %: 90 % of the target is already reserved and only 20 of the racers' pledges fit.
Each run releases its worker threads through one threading.Barrier; every worker has its own app
context, session and pooled connection (opened before the barrier so no connect is timed). The guarded
run calls `place_pledge` in an app context plus test_request_context per pledge and commits; the plain
run INSERTs an equivalent `pledges` row through SQLAlchemy Core, one transaction each, reserving nothing.

PostgreSQL must have a connection per worker. When `max_connections` leaves fewer free connections than
racers, the run keeps the number of attempts and uses as many workers as fit: all start together at the
barrier and each takes the next attempt until all are done (waves). The table says how many workers ran.
After each run the books are checked: reserved total == pre-reserved + sum of active pledges, nothing
over capacity, investor_count right, the expected number accepted; at the end the audit chain verifies.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

AMOUNT_MINOR = 500_000  # 5,000.00 MAD per pledge: above the minimum ticket below
MIN_TICKET_MINOR = 100_000
FREE_SLOTS = 20  # contention case: pledges that still fit in the last 10 % of the target
CONNECTION_MARGIN = 15  # connections left to everybody else on a shared server
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Per thread: when the capacity UPDATE returned, i.e. when this transaction got the project row lock.
HELD = threading.local()


@dataclass
class Run:
    """What one timed run saw: outcomes, wall time from the barrier to the last commit, per-call latencies."""

    scenario: str
    path: str
    workers: int
    attempts: int
    accepted: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    waits: dict[str, float] = field(default_factory=dict)
    checks: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.attempts / self.seconds

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)
        return {"scenario": self.scenario, "path": self.path, "workers": self.workers, "attempts": self.attempts,
                "accepted": self.accepted, "refused": self.refused, "errors": self.errors[:5],
                "error_count": len(self.errors), "seconds": round(self.seconds, 4),
                "per_second": round(self.per_second, 1),
                "p50_ms": round(ordered[len(ordered) // 2], 2),
                "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
                "lock_waits_s": {k: round(v, 3) for k, v in self.waits.items()}, "checks": self.checks}


class StatementClock:
    """Per-thread time spent inside the two statements that queue: the capacity UPDATE and the audit head.

    Time in `UPDATE projects SET pledged_minor…` is mostly waiting for the project row lock; time in
    `UPDATE audit_heads…` is mostly waiting for the global audit head. Listening costs a few µs per statement.
    """

    KINDS = {"UPDATE projects SET pledged_minor": "project_row", "UPDATE audit_heads": "audit_head"}

    def __init__(self, engine):
        self.engine = engine
        self.local = threading.local()
        self.totals: dict[str, float] = {}
        self.statements = 0
        self.lock = threading.Lock()

    def kind(self, statement: str) -> str | None:
        return next((kind for prefix, kind in self.KINDS.items() if statement.startswith(prefix)), None)

    def before(self, conn, cursor, statement, *args):
        self.local.started = time.perf_counter()

    def after(self, conn, cursor, statement, *args):
        now = time.perf_counter()
        elapsed = now - getattr(self.local, "started", now)
        kind = self.kind(statement) or "other"
        if kind == "project_row":
            HELD.locked_at = now
        with self.lock:
            self.statements += 1
            self.totals[kind] = self.totals.get(kind, 0.0) + elapsed

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self.before)
        event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)


def connection_budget(engine) -> dict:
    """How many more connections this server accepts, keeping a margin for the other users of the server."""
    with engine.connect() as connection:
        maximum = int(connection.exec_driver_sql("SHOW max_connections").scalar())
        reserved = int(connection.exec_driver_sql("SHOW superuser_reserved_connections").scalar())
        used = int(connection.exec_driver_sql("SELECT count(*) FROM pg_stat_activity").scalar())
    return {"max_connections": maximum, "superuser_reserved": reserved, "in_use": used,
            "free": maximum - reserved - used - CONNECTION_MARGIN}


class Bench:
    """The scratch app, its investors and the projects each run pledges to."""

    def __init__(self, url: str, racers: int):
        from marketplace import create_app

        self.app = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                              SQLALCHEMY_ENGINE_OPTIONS={"pool_size": racers + 10, "max_overflow": 10})
        self.racers = racers
        self.investor_ids: list[int] = []
        self.organisation_id = 0
        self.place: dict[str, int] = {}
        self.counter = 0
        self.holds: list[float] = []  # seconds each accepted pledge held the project row lock

    def build(self) -> None:
        from flask_migrate import upgrade
        from sqlalchemy import insert, select

        from marketplace.accounts.models import User
        from marketplace.accounts.passwords import hash_password
        from marketplace.extensions import db
        from marketplace.organisations.models import Organisation
        from marketplace.reference.models import Country, Region, Sector
        from marketplace.reference.services import load_reference_data

        with self.app.app_context():
            upgrade()
            load_reference_data()
            db.session.commit()
            morocco = db.session.scalar(select(Country.id).where(Country.iso2 == "MA"))
            self.place = {"country_id": morocco,
                          "region_id": db.session.scalar(select(Region.id).where(Region.country_id == morocco)),
                          "sector_id": db.session.scalar(select(Sector.id))}
            organisation = Organisation(name="Bench porteur", slug="bench-porteur", type="ngo", country_id=morocco)
            db.session.add(organisation)
            db.session.flush()
            self.organisation_id = organisation.id
            # Investors straight into the table: one password hash shared, no per-account audit entry.
            password = hash_password("bench password not used 42")
            db.session.execute(insert(User), [
                {"email": f"investor{n}@bench.example.org", "password_hash": password,
                 "display_name": f"Investor {n}", "is_investor": True, "residence_country_id": morocco,
                 "locale": "fr"} for n in range(self.racers)])
            db.session.commit()
            self.investor_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
            db.session.remove()

    def project(self, *, target_minor: int, pledged_minor: int) -> int:
        """A published MAD project open for pledges, with `pledged_minor` already reserved (no pledges behind it)."""
        from marketplace.extensions import db
        from marketplace.projects.models import Project

        self.counter += 1
        today = date.today()
        with self.app.app_context():
            project = Project(
                code=f"B{self.counter:04d}", organisation_id=self.organisation_id, title=f"Bench {self.counter}",
                summary="Bench project.", description="Bench project.", instrument="equity",
                funding_rule="all_or_nothing", currency="MAD", target_minor=target_minor,
                min_ticket_minor=MIN_TICKET_MINOR, pledged_minor=pledged_minor, status="published",
                campaign_starts_on=today - timedelta(days=10), campaign_ends_on=today + timedelta(days=30),
                version_number=1, published_at=datetime.now(UTC) - timedelta(days=10), **self.place)
            db.session.add(project)
            db.session.commit()
            project_id = project.id
            db.session.remove()
        return project_id

    def scenario_project(self, scenario: str, attempts: int) -> tuple[int, int]:
        """(project id, amount pre-reserved) for a scenario."""
        if scenario == "plenty":
            return self.project(target_minor=10 * attempts * AMOUNT_MINOR, pledged_minor=0), 0
        target = 10 * FREE_SLOTS * AMOUNT_MINOR
        pre_reserved = target - FREE_SLOTS * AMOUNT_MINOR
        return self.project(target_minor=target, pledged_minor=pre_reserved), pre_reserved

    # --- the two paths ------------------------------------------------------------------------------

    def guarded_one(self, investor_id: int, project_id: int) -> str:
        """One pledge as a request would place it: own app and request context, own session, commit."""
        from marketplace.accounts.models import User
        from marketplace.errors import ConflictError
        from marketplace.extensions import db
        from marketplace.pledges.services import PledgeRequest, place_pledge
        from marketplace.projects.models import Project

        with self.app.app_context(), self.app.test_request_context():
            try:
                project = db.session.get(Project, project_id)
                request = PledgeRequest(amount_minor=AMOUNT_MINOR, currency="MAD", method="bank_transfer",
                                        request_key=uuid.uuid4().hex)
                HELD.locked_at = None
                place_pledge(db.session.get(User, investor_id), project, request)
                db.session.commit()
                if HELD.locked_at is not None:  # set only while a StatementClock listens
                    self.holds.append(time.perf_counter() - HELD.locked_at)
                return "accepted"
            except ConflictError:
                db.session.rollback()
                return "refused"
            finally:
                db.session.remove()

    def plain_one(self, investor_id: int, project_id: int) -> str:
        """The same row the guarded path ends with (committed at once: no revocation period), and nothing else."""
        from sqlalchemy import insert

        from marketplace.extensions import db
        from marketplace.pledges.models import Pledge
        from marketplace.pledges.services import new_reference

        now = datetime.now(UTC)
        row = {"reference": new_reference(), "request_key": uuid.uuid4().hex, "project_id": project_id,
               "investor_id": investor_id, "amount_minor": AMOUNT_MINOR, "currency": "MAD",
               "method": "bank_transfer", "status": "committed", "project_version_number": 1,
               "matched_minor": 0, "offered_at": now, "revocable_until": now, "committed_at": now,
               "received_minor": 0, "refunded_minor": 0, "transfer_mismatch": False,
               "payment_outcome_unknown": False, "created_at": now, "updated_at": now}
        with self.app.app_context(), db.engine.begin() as connection:
            connection.execute(insert(Pledge.__table__), row)
        return "accepted"

    def guard_one(self, investor_id: int, project_id: int) -> str:
        """The plain insert plus the guard alone: the conditional UPDATE of the reserved total, one transaction.

        This isolates what the atomic reservation costs (the project row lock held to commit) from the rest
        of the service layer (validation, protection rules, consents, notifications, audit).
        """
        from sqlalchemy import func, insert, update

        from marketplace.extensions import db
        from marketplace.pledges.models import Pledge
        from marketplace.pledges.services import new_reference
        from marketplace.projects.models import Project

        now = datetime.now(UTC)
        row = {"reference": new_reference(), "request_key": uuid.uuid4().hex, "project_id": project_id,
               "investor_id": investor_id, "amount_minor": AMOUNT_MINOR, "currency": "MAD",
               "method": "bank_transfer", "status": "committed", "project_version_number": 1,
               "matched_minor": 0, "offered_at": now, "revocable_until": now, "committed_at": now,
               "received_minor": 0, "refunded_minor": 0, "transfer_mismatch": False,
               "payment_outcome_unknown": False, "created_at": now, "updated_at": now}
        capacity = func.coalesce(Project.oversubscription_cap_minor, Project.target_minor)
        with self.app.app_context(), db.engine.connect() as connection, connection.begin() as transaction:
            connection.execute(insert(Pledge.__table__), row)
            changed = connection.execute(
                update(Project.__table__).where(Project.id == project_id, Project.status == "published",
                                                Project.pledged_minor + AMOUNT_MINOR <= capacity)
                .values(pledged_minor=Project.pledged_minor + AMOUNT_MINOR)).rowcount
            if changed != 1:
                transaction.rollback()
                return "refused"
        return "accepted"

    # --- a timed run ----------------------------------------------------------------------------------

    def race(self, scenario: str, path: str, workers: int, attempts: int) -> Run:
        """Release `workers` threads at once; they share the `attempts` until none is left.

        The *service* path is the guarded service with the reservation and the investor count switched off:
        the same Python and SQL work minus the project row lock, so guarded/service isolates the guard.
        """
        if path != "service":
            return self._race(scenario, path, workers, attempts)
        from marketplace.pledges import capacity

        saved = capacity.reserve, capacity.count_investor
        capacity.reserve, capacity.count_investor = (lambda *args: True), (lambda *args: None)
        try:
            return self._race(scenario, path, workers, attempts)
        finally:
            capacity.reserve, capacity.count_investor = saved

    def _race(self, scenario: str, path: str, workers: int, attempts: int) -> Run:
        from marketplace.extensions import db

        project_id, pre_reserved = self.scenario_project(scenario, attempts)
        self.holds = []
        one = {"guarded": self.guarded_one, "guard": self.guard_one, "plain": self.plain_one,
               "service": self.guarded_one}[path]
        run = Run(scenario, path, workers, attempts)
        barrier = threading.Barrier(workers + 1)
        jobs = iter(self.investor_ids[:attempts])
        jobs_lock, results_lock = threading.Lock(), threading.Lock()
        finished: list[float] = []

        def worker() -> None:
            with self.app.app_context():  # check a connection out and back so the pool holds one per worker
                db.session.connection()
                barrier.wait()
                db.session.remove()
            barrier.wait()
            while True:
                with jobs_lock:
                    investor_id = next(jobs, None)
                if investor_id is None:
                    break
                started = time.perf_counter()
                try:
                    outcome = one(investor_id, project_id)
                except Exception as error:  # counted and reported; the run goes on
                    outcome = f"{type(error).__name__}: {error}"[:300]
                elapsed = (time.perf_counter() - started) * 1000
                with results_lock:
                    run.latencies_ms.append(elapsed)
                    if outcome == "accepted":
                        run.accepted += 1
                    elif outcome == "refused":
                        run.refused += 1
                    else:
                        run.errors.append(outcome)
            with results_lock:
                finished.append(time.perf_counter())

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        barrier.wait()  # every worker holds a connection
        with self.app.app_context(), StatementClock(db.engine) as clock:
            barrier.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
        run.seconds = max(finished) - started
        run.waits = dict(clock.totals, statements=clock.statements)
        if self.holds:
            holds = sorted(self.holds)
            run.waits |= {"row_lock_held_ms_p50": 1000 * holds[len(holds) // 2], "row_lock_held_s_total": sum(holds)}
        run.checks = self.check(run, project_id, pre_reserved)
        return run

    def check(self, run: Run, project_id: int, pre_reserved: int) -> dict:
        """The books after a run; raises when an invariant is broken, since then no figure means anything."""
        from sqlalchemy import func, select

        from marketplace.extensions import db
        from marketplace.pledges.models import ACTIVE_STATUSES, Pledge
        from marketplace.projects.models import Project

        with self.app.app_context():
            project = db.session.get(Project, project_id)
            active = select(Pledge).where(Pledge.project_id == project_id, Pledge.status.in_(ACTIVE_STATUSES))
            active_sum = int(db.session.scalar(select(func.coalesce(func.sum(Pledge.amount_minor), 0))
                                           .where(Pledge.project_id == project_id,
                                                  Pledge.status.in_(ACTIVE_STATUSES))))  # SUM is numeric on PG
            rows = db.session.scalar(select(func.count()).select_from(active.subquery()))
            investors = db.session.scalar(select(func.count(func.distinct(Pledge.investor_id)))
                                          .where(Pledge.project_id == project_id,
                                                 Pledge.status.in_(ACTIVE_STATUSES)))
            capacity = project.oversubscription_cap_minor or project.target_minor
            facts = {"reserved": project.pledged_minor, "pre_reserved": pre_reserved, "active_sum": active_sum,
                     "active_rows": rows, "capacity": capacity, "investor_count": project.investor_count}
            db.session.remove()
        problems = []
        if project.pledged_minor > capacity:
            problems.append("reserved total above capacity")
        if run.errors:
            problems.append(f"{len(run.errors)} unexpected errors, first: {run.errors[0]}")
        if run.path == "guarded":
            expected = min(run.attempts, FREE_SLOTS) if run.scenario == "last10" else run.attempts
            if project.pledged_minor != pre_reserved + active_sum:
                problems.append("reserved total != pre-reserved + active pledges")
            if rows != run.accepted or run.accepted != expected:
                problems.append(f"accepted {run.accepted}, rows {rows}, expected {expected}")
            if project.investor_count != investors:
                problems.append(f"investor_count {project.investor_count} != {investors}")
        elif run.path == "service":
            if rows != run.accepted or run.accepted != run.attempts:
                problems.append(f"service: rows {rows}, accepted {run.accepted}")
        elif run.path == "guard":
            expected = min(run.attempts, FREE_SLOTS) if run.scenario == "last10" else run.attempts
            if project.pledged_minor != pre_reserved + active_sum or rows != run.accepted or run.accepted != expected:
                problems.append(f"guard: reserved {project.pledged_minor}, active {active_sum}, rows {rows}, "
                                f"accepted {run.accepted}, expected {expected}")
        else:
            if project.pledged_minor != pre_reserved or rows != run.attempts:
                problems.append("plain run changed the reserved total or lost rows")
        facts["ok"] = not problems
        if problems:
            raise SystemExit(f"INVARIANT BROKEN in {run.scenario}/{run.path}: {'; '.join(problems)} {facts}")
        return facts

    # --- serial probe: where one pledge spends its time ------------------------------------------------

    def serial_probe(self, count: int = 30, profile: bool = False) -> dict:
        """One thread, no contention: latency and statements of each path, the floor of a serialised path."""
        from marketplace.extensions import db

        project_id, _ = self.scenario_project("plenty", self.racers)
        facts = {}
        for path, one in (("plain", self.plain_one), ("guarded", self.guarded_one)):
            one(self.investor_ids[-1], project_id)  # warm caches (compiled SQL, translations)
            self.holds = []
            profiler = cProfile.Profile() if profile and path == "guarded" else None
            with self.app.app_context(), StatementClock(db.engine) as clock:
                cpu, started = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                for investor_id in self.investor_ids[:count]:
                    one(investor_id, project_id)
                if profiler:
                    profiler.disable()
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            sql = sum(clock.totals.values())
            facts[path] = {"ms_per_pledge": round(1000 * wall / count, 2),
                           "cpu_ms_per_pledge": round(1000 * cpu / count, 2),
                           "sql_ms_per_pledge": round(1000 * sql / count, 2),
                           "statements_per_pledge": round(clock.statements / count, 1)}
            if path == "guarded":
                facts[path]["row_lock_held_ms"] = round(1000 * sorted(self.holds)[len(self.holds) // 2], 2)
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                facts["profile"] = out.getvalue()
        return facts

    def verify_audit(self) -> dict:
        from marketplace.audit.services import verify_chain
        from marketplace.extensions import db

        with self.app.app_context():
            result = verify_chain()
            db.session.remove()
        return {"ok": result.ok, "checked": result.checked, "reason": result.reason}

    def close(self) -> None:
        from marketplace.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def run(args) -> dict:
    from sqlalchemy import create_engine

    from bench.run import ScratchDatabase
    from config import normalise_database_url

    server = DEFAULT_SERVER if args.db_url == "pg" else args.db_url
    if server.startswith("sqlite"):
        raise SystemExit("This benchmark measures PostgreSQL row locks; give a PostgreSQL server URL or 'pg'.")
    probe = create_engine(normalise_database_url(server))
    budget = connection_budget(probe)
    probe.dispose()
    workers = max(1, min(args.racers, args.workers or args.racers, budget["free"]))
    if workers < args.racers:
        print(f"max_connections={budget['max_connections']} leaves {budget['free']} connections free: "
              f"{args.racers} attempts by {workers} workers released together, each taking the next attempt "
              f"(waves).", flush=True)
    scratch = ScratchDatabase(server)
    bench = Bench(scratch.url, args.racers)
    try:
        started = time.perf_counter()
        bench.build()
        print(f"built scratch database {scratch.name} in {time.perf_counter() - started:.1f} s", flush=True)
        serial = bench.serial_probe(profile=args.profile)
        if args.profile:
            print(serial.pop("profile"))
        print(f"serial probe: {serial}", flush=True)
        rounds = []
        for number in range(args.rounds):
            measured = []
            for scenario in ("plenty", "last10"):
                paths = (["guarded", "service", "guard", "plain"] if number % 2 == 0
                         else ["plain", "guard", "service", "guarded"])
                for path in paths:
                    result = bench.race(scenario, path, workers, args.racers)
                    measured.append(result.summary())
                    print(f"  round {number + 1} {scenario:6} {path:7} {result.per_second:8.1f}/s "
                          f"accepted {result.accepted} refused {result.refused}", flush=True)
            rounds.append(measured)
        sweep = []
        for count in args.sweep:
            for path in ("guarded", "plain"):
                result = bench.race("plenty", path, min(count, workers), args.racers)
                sweep.append(result.summary())
                print(f"  sweep {result.workers:3} workers {path:7} {result.per_second:8.1f}/s", flush=True)
        audit = bench.verify_audit()
        if not audit["ok"]:
            raise SystemExit(f"AUDIT CHAIN BROKEN: {audit}")
        return {"database": "postgresql", "attempts": args.racers, "workers": workers, "budget": budget,
                "amount_minor": AMOUNT_MINOR, "free_slots": FREE_SLOTS, "serial": serial, "audit": audit,
                "python": sys.version.split()[0], "rounds": rounds, "sweep": sweep}
    finally:
        bench.close()
        scratch.drop()


def table(result: dict) -> list[str]:
    lines = ["| round | scenario | path | workers | attempts | accepted | refused | s | pledges/s | p50 ms | p99 ms "
             "| vs plain | books |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for number, measured in enumerate(result["rounds"], start=1):
        rate = {(m["scenario"], m["path"]): m["per_second"] for m in measured}
        for m in measured:
            ratio = (f"{100 * m['per_second'] / rate[(m['scenario'], 'plain')]:.1f} %"
                     if m["path"] != "plain" else "")
            lines.append(f"| {number} | {m['scenario']} | {m['path']} | {m['workers']} | {m['attempts']} "
                         f"| {m['accepted']} | {m['refused']} | {m['seconds']:.3f} | {m['per_second']:.0f} "
                         f"| {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {ratio} "
                         f"| {'ok' if m['checks']['ok'] else 'BROKEN'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True, help="a PostgreSQL server URL on 127.0.0.1, or 'pg'")
    parser.add_argument("--racers", type=int, default=200, help="concurrent pledge attempts per run")
    parser.add_argument("--workers", type=int, help="cap on worker threads (default: one per racer)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sweep", type=lambda text: [int(n) for n in text.split(",")], default=[],
                        help="also run the plenty case once with each of these worker counts, e.g. 1,4,16")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the serial guarded path")
    parser.add_argument("--json", type=Path, help="also write every raw figure to this file")
    args = parser.parse_args()
    result = run(args)
    print("\n".join(table(result)))
    rates = {}
    for measured in result["rounds"]:
        for m in measured:
            rates.setdefault((m["scenario"], m["path"]), []).append(m["per_second"])
    for scenario in ("plenty", "last10"):
        pairs = list(zip(rates.get((scenario, "guarded"), []), rates.get((scenario, "service"), []), strict=False))
        if pairs:
            ratios = [100 * g / u for g, u in pairs]
            print(f"guarded/service without the guard ({scenario}): {min(ratios):.1f}–{max(ratios):.1f} %")
    for path, meaning in (("guarded", "whole service layer"), ("guard", "reservation guard alone")):
        ratios = [100 * g["per_second"] / p["per_second"] for measured in result["rounds"]
                  for g in measured if g["path"] == path
                  for p in measured if p["path"] == "plain" and p["scenario"] == g["scenario"]]
        print(f"{path}/plain ({meaning}): {min(ratios):.1f}–{max(ratios):.1f} % (target >= 50 %)")
    print(f"audit chain {result['audit']['checked']} entries ok")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
