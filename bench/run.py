"""Catalogue throughput against its ceilings, on a scratch database seeded at scale.

    python -m bench.run --db-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --size full
    python -m bench.run --db-url sqlite --size full

It builds a throw-away database with the product's migrations (a new database on the given PostgreSQL
server, or a temporary SQLite file), bulk-loads the catalogue with its pledges, then serves three apps one
after the other with the same gunicorn configuration (sync workers) on 127.0.0.1: a bare hello world, the catalogue
template rendered from memory (no database), and the product. wrk drives each for a fixed time with a
mix of filters and pages. It prints the ratios the listings issue sets as targets (catalogue >= 10 % of
hello world, >= 25 % of the static render, p99/p50 <= 1.5 at 32 connections) and checks the statement
count per catalogue request (<= 2, a hard gate). Everything it starts it stops; it drops only the
database it created.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def serve(app_path: str, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, loopback only
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket",
         "--log-level", "warning", app_path],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    wait_for(port)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def load(port: int, path: str, duration: int, script: str | None = None) -> dict:
    """wrk -t2 -c32 for `duration` seconds after a 2-second warm-up; rps and p50/p99 in ms."""
    base = ["wrk", "-t2", "-c32", "--latency"]
    extra = ["-s", str(Path(__file__).parent / script)] if script else []
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run([*base, "-d2s", *extra, url], capture_output=True, check=True)  # noqa: S603
    output = subprocess.run([*base, f"-d{duration}s", *extra, url], capture_output=True, text=True,  # noqa: S603
                            check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latencies = {q: float(v) * unit[u] for q, v, u in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": latencies.get("50"), "p99": latencies.get("99"),
            "non_2xx": int(errors.group(1)) if errors else 0}


class ScratchDatabase:
    """A database this run creates and later drops: a new PostgreSQL database or a temporary SQLite file."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.name = None
        if db_url.startswith("sqlite"):
            self.folder = tempfile.mkdtemp(prefix="passerelle-bench-")
            self.url = f"sqlite:///{self.folder}/bench.db"
        else:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            from config import normalise_database_url

            server = make_url(normalise_database_url(db_url))
            if server.host not in {"127.0.0.1", "localhost", "::1"}:
                raise SystemExit("The benchmark only runs against a server on this machine.")
            self.name = f"passerelle_bench_{uuid.uuid4().hex[:8]}"
            self.admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = server.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.name:
            from sqlalchemy import text

            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


def prepare(url: str, size: str) -> dict:
    """Migrate, load reference data and seed (projects, investors, pledges); then count statements per catalogue
    request."""
    from flask_migrate import upgrade
    from sqlalchemy import event

    from bench.seed import seed_catalogue
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.reference.services import load_reference_data

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        seeded = seed_catalogue(size)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        client = app.test_client()
        client.get("/projects/")
        counts = []
        for query in ("", "?sector=HEA", "?sector=AGR&region=MA-02&page=3", "?q=clinique&sort=funded",
                      "?sdg=7&state=open&sort=closing"):
            statements.clear()
            assert client.get(f"/projects/{query}").status_code == 200
            counts.append(len(statements))
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            client.get("/projects/?sector=HEA&page=2")
            timings.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    return {"seed_seconds": round(seeded["project_seconds"] + seeded["pledge_seconds"], 1),
            "pledge_seed_seconds": round(seeded["pledge_seconds"], 1), "pledges": seeded["pledges"],
            "investors": seeded["investors"], "statements": counts,
            "in_process_ms_median": round(sorted(timings)[len(timings) // 2], 2)}


def run(args) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: make bench-deps (or apt-get install wrk).")
    scratch = ScratchDatabase(args.db_url)
    try:
        facts = prepare(scratch.url, args.size)
        env = {**os.environ, "DATABASE_URL": scratch.url, "PASSERELLE_ENV": "development",
               "SECRET_KEY": uuid.uuid4().hex * 2, "PYTHONPATH": str(ROOT)}
        rounds = []
        for number in range(args.rounds):
            order = [("hello", "bench.hello_app:app", "/", None),
                     ("static", "bench.static_app:app", "/bench/catalogue", None),
                     ("catalogue", "wsgi:app", "/projects/", "catalogue.lua")]
            if number % 2:
                order.reverse()
            measured = {}
            for name, app_path, path, script in order:
                process, port = serve(app_path, env, args.workers)
                try:
                    measured[name] = load(port, path, args.duration, script)
                finally:
                    stop(process)
            rounds.append(measured)
        return {"database": "postgresql" if scratch.name else "sqlite", "size": args.size,
                "workers": args.workers, "duration_s": args.duration, **facts, "rounds": rounds}
    finally:
        scratch.drop()


def summarise(result: dict) -> list[str]:
    lines = []
    for number, measured in enumerate(result["rounds"], start=1):
        hello, static, catalogue = measured["hello"], measured["static"], measured["catalogue"]
        lines.append(
            f"| {result['database']} | {number} | {hello['rps']:.0f} | {static['rps']:.0f} | {catalogue['rps']:.0f} "
            f"| {100 * catalogue['rps'] / hello['rps']:.1f} % | {100 * catalogue['rps'] / static['rps']:.1f} % "
            f"| {catalogue['p50']:.1f} | {catalogue['p99']:.1f} | {catalogue['p99'] / catalogue['p50']:.2f} "
            f"| {catalogue['non_2xx']} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True, help="'sqlite' or a PostgreSQL server URL on 127.0.0.1")
    parser.add_argument("--size", choices=["ci", "full"], default="ci")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write every raw figure to this file")
    args = parser.parse_args()
    result = run(args)
    print(f"seeded {result['size']} in {result['seed_seconds']} s ({result['pledges']:,} pledges from "
          f"{result['investors']:,} investors: {result['pledge_seed_seconds']} s); statements per catalogue request: "
          f"{result['statements']}; in-process median {result['in_process_ms_median']} ms")
    print("| database | round | hello rps | static rps | catalogue rps | / hello | / static | p50 ms | p99 ms "
          "| p99/p50 | non-2xx |")
    print("\n".join(summarise(result)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if max(result["statements"]) > 2:
        raise SystemExit("FAIL: a catalogue request took more than 2 SQL statements")


if __name__ == "__main__":
    main()
