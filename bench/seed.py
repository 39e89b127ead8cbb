"""Bulk-load a large, realistic catalogue into a scratch database built by the product's migrations.

`seed_catalogue("full")` loads 10,000 projects, 100,000 investors and 1,000,000 pledges (`"ci"`: a tenth of
each), so the catalogue benchmark shows whether listing pages stay cheap when the pledges table is large.
Pledges go straight into the table (COPY on PostgreSQL, one executemany transaction on SQLite): going
through `place_pledge` would take hours, and the catalogue only reads the denormalised counters, which are
recomputed from the rows at the end exactly as the service keeps them.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

from sqlalchemy import func, insert, select, update

from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.pledges.models import ACTIVE_STATUSES, Pledge
from marketplace.projects.models import Project, ProjectSdg
from marketplace.reference.models import Country, Region, Sector

SIZES = {"ci": 1_000, "full": 10_000}
# Pledges and investors scale with the projects: 100 pledges per project, 10 per investor.
PLEDGES_PER_PROJECT = 100
PLEDGES_PER_INVESTOR = 10
# The state mix of a live platform: three quarters still active (offered, committed, collecting, paid).
STATUS_MIX = {"offered": 8, "committed": 45, "collecting": 5, "paid": 17, "payment_failed": 3, "revoked": 9,
              "released": 5, "refunded": 2, "lapsed": 6}
INACTIVE = [status for status in STATUS_MIX if status not in ACTIVE_STATUSES]
TERMINAL = {"paid", "payment_failed", "revoked", "released", "refunded", "lapsed"}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as marketplace.pledges.services
PLEDGE_COLUMNS = (
    "reference", "request_key", "project_id", "investor_id", "amount_minor", "currency", "method", "status",
    "project_version_number", "matched_minor", "offered_at", "revocable_until", "committed_at", "payment_due_by",
    "settled_at", "received_minor", "refunded_minor", "transfer_mismatch", "payment_outcome_unknown", "created_at",
    "updated_at", "residence_country_id",
)
# Where investors live (weights): the Moroccan diaspora's main countries of residence, and some at home.
RESIDENCES = {"FR": 32, "ES": 14, "IT": 11, "BE": 10, "NL": 8, "DE": 4, "CA": 5, "US": 3, "GB": 3, "AE": 3, "MA": 7}
USER_COLUMNS = ("email", "password_hash", "display_name", "locale", "is_investor", "residence_country_id",
                "is_active_account", "session_token", "created_at", "password_changed_at")
INSTRUMENTS = ["equity", "loan", "revenue_share", "donation"]
WORDS = [
    "clinique", "école", "atelier", "ferme", "serre", "pressoir", "coopérative", "solaire", "logistique", "hôtel",
    "laboratoire", "recyclage", "numérique", "formation", "eau", "irrigation", "artisanat", "tourisme", "santé",
    "énergie",
]


def seed_projects(count: int, *, seed: int = 42) -> float:
    """Insert `count` projects (90 % published) with SDG tags; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = date.today()
    morocco = db.session.scalar(select(Country).where(Country.iso2 == "MA"))
    regions = list(db.session.scalars(select(Region.id).where(Region.country_id == morocco.id)))
    sectors = list(db.session.scalars(select(Sector.id)))
    from marketplace.programmes.models import Programme

    programmes = [*db.session.scalars(select(Programme.id).order_by(Programme.id))] or [None]
    owners = []
    for n in range(50):
        organisation = Organisation(name=f"Bench organisation {n}", slug=f"bench-{n}", type="ngo",
                                    country_id=morocco.id)
        db.session.add(organisation)
        owners.append(organisation)
    db.session.flush()
    rows, sdg_rows = [], []
    for n in range(count):
        target = rng.randint(50_000, 20_000_000) * 100
        starts = today - timedelta(days=rng.randint(0, 60))
        words = rng.sample(WORDS, 4)
        rows.append({
            "id": n + 1, "organisation_id": owners[n % len(owners)].id, "language": "fr",
            "title": f"{words[0].capitalize()} {words[1]} {n}", "summary": " ".join(rng.sample(WORDS, 10)),
            "description": " ".join(rng.choices(WORDS, k=120)), "translations": {},
            "country_id": morocco.id, "region_id": rng.choice(regions), "sector_id": rng.choice(sectors),
            "programme_id": rng.choice(programmes) if rng.random() < 0.7 else None,
            "instrument": rng.choice(INSTRUMENTS), "funding_rule": "all_or_nothing", "currency": "MAD",
            "target_minor": target, "min_ticket_minor": 100_000, "pledged_minor": int(target * rng.random() ** 2),
            "investor_count": rng.randint(0, 400), "campaign_starts_on": starts,
            "campaign_ends_on": starts + timedelta(days=rng.randint(30, 120)),
            "risks": "Risques de démonstration.", "status": "published" if rng.random() < 0.9 else "draft",
            "version_number": 1, "needs_reconfirmation": False, "is_demo": True,
            "published_at": datetime.combine(starts, dt_time(9), tzinfo=UTC),
        })
        for goal in rng.sample(range(1, 18), 2):
            sdg_rows.append({"project_id": n + 1, "goal": goal})
    for chunk in range(0, len(rows), 2_000):
        db.session.execute(insert(Project), rows[chunk:chunk + 2_000])
    db.session.execute(insert(ProjectSdg), sdg_rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('projects_id_seq', :n)"), {"n": count})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


def seed_catalogue(size: str, *, seed: int = 42) -> dict:
    """Projects, then investors and pledges in proportion; the seconds each part took."""
    count = SIZES[size]
    project_seconds = seed_projects(count, seed=seed)
    pledges = count * PLEDGES_PER_PROJECT
    pledge_seconds = seed_pledges(pledges, pledges // PLEDGES_PER_INVESTOR, seed=seed)
    return {"projects": count, "pledges": pledges, "investors": pledges // PLEDGES_PER_INVESTOR,
            "project_seconds": project_seconds, "pledge_seconds": pledge_seconds}


def reference_for(n: int) -> str:
    """A unique, deterministic PSL-XXXX-XXXX: n times an odd constant is a bijection modulo 32**8 = 2**40."""
    x = ((n + 1) * 0x9E3779B97F) % (1 << 40)
    body = "".join(REFERENCE_ALPHABET[(x >> (5 * i)) & 31] for i in range(8))
    return f"PSL-{body[:4]}-{body[4:]}"


def _split(total: int, parts: int, rng: random.Random, floor: int = 0) -> list[int]:
    """`parts` integers, each >= floor, summing to at most `total` (exactly, when floor is 0); no floats kept."""
    weights = [rng.randint(1, 1_000) for _ in range(parts)]
    spare, whole = total - floor * parts, sum(weights)
    return [floor + spare * w // whole for w in weights]


def _pledge_rows(projects: list, investor_ids: range, residences: list[int], pledges: int, rng: random.Random,
                 now: datetime) -> Iterator[tuple]:
    """Rows in PLEDGE_COLUMNS order, project by project, with active totals within each target.

    Each project gets a share of the pledges and a funded fraction; active pledges split that budget
    (each at least the minimum ticket, whole dirhams), and when the budget cannot hold that many minimum
    tickets the extra ones become inactive (revoked, released, lapsed…), as happens on a small target.
    """
    shares = _split(pledges, len(projects), rng)
    shares[0] += pledges - sum(shares)
    statuses, weights = list(STATUS_MIX), list(STATUS_MIX.values())
    n = 0
    for project, share in zip(projects, shares, strict=True):
        chosen = rng.choices(statuses, weights, k=share)
        fraction = rng.randint(0, 1_000)
        budget = project.target_minor * fraction * fraction // 1_000_000  # funded share skewed low, like the catalogue
        active = [i for i, status in enumerate(chosen) if status in ACTIVE_STATUSES]
        room = budget // project.min_ticket_minor
        for i in active[room:]:
            chosen[i] = rng.choice(INACTIVE)
        active = active[:room]
        amounts = iter(_split(budget, len(active), rng, floor=project.min_ticket_minor))
        window = max(int((now - project.published_at).total_seconds()), 1)
        for status in chosen:
            if status in ACTIVE_STATUSES:
                amount = next(amounts) // 100 * 100
            else:
                amount = project.min_ticket_minor * rng.randint(1, 30)
            offered = project.published_at + timedelta(seconds=rng.randrange(window))
            settled = offered + timedelta(hours=rng.randint(1, 72)) if status in TERMINAL else None
            received = amount if status in {"paid", "refunded"} else 0
            investor = rng.choice(investor_ids)
            yield (reference_for(n), f"seed-{n:08d}", project.id, investor, amount,
                   project.currency, "bank_transfer", status, project.version_number, 0, offered, offered,
                   offered if status not in {"offered", "revoked"} else None,
                   offered + timedelta(days=7) if status == "collecting" else None, settled, received,
                   amount if status == "refunded" else 0, False, False, offered, settled or offered,
                   residences[investor - investor_ids.start])
            n += 1


def _bulk_insert(table: str, columns: tuple[str, ...], rows) -> None:
    """COPY on PostgreSQL; on SQLite one executemany inside the caller's transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLAlchemy's SQLite DATETIME storage format, which UTCDateTime reads back as UTC.
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    rows = (tuple(v.astimezone(UTC).strftime(stamp) if isinstance(v, datetime) else v for v in row) for row in rows)
    # Table and column names are this module's constants, never input.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    connection.connection.driver_connection.executemany(sql, rows)


def seed_pledges(pledges: int, investors: int, *, seed: int = 42) -> float:
    """Insert `investors` investor accounts and `pledges` pledges over the published projects, then recompute
    each project's reserved total and investor count from the active pledges; returns the seconds it took."""
    from marketplace.accounts.models import User
    from marketplace.accounts.passwords import hash_password

    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    countries = dict(db.session.execute(select(Country.iso2, Country.id).where(Country.iso2.in_(RESIDENCES))).all())
    residences = rng.choices([countries[iso] for iso in RESIDENCES], list(RESIDENCES.values()), k=investors)
    password = hash_password("bench investor password 42")  # one hash for all: argon2 per row would take hours
    first = (db.session.scalar(select(db.func.max(User.id))) or 0) + 1
    _bulk_insert("users", USER_COLUMNS, (
        (f"investor{n}@bench.example.org", password, f"Investisseur {n}", "fr", True, residences[n], True,
         secrets.token_urlsafe(24), now, now) for n in range(investors)))
    investor_ids = range(first, first + investors)
    published = list(db.session.execute(
        select(Project.id, Project.target_minor, Project.min_ticket_minor, Project.currency, Project.version_number,
               Project.published_at).where(Project.status == "published").order_by(Project.id)))
    _bulk_insert("pledges", PLEDGE_COLUMNS, _pledge_rows(published, investor_ids, residences, pledges, rng, now))
    # The counters exactly as capacity.reserve and refresh_investor_count keep them; the targets bound the
    # budgets above, so the CHECK pledged_minor <= COALESCE(oversubscription_cap_minor, target_minor) holds.
    held = (Pledge.project_id == Project.id) & Pledge.status.in_(ACTIVE_STATUSES)
    db.session.execute(update(Project).values(
        pledged_minor=select(func.coalesce(func.sum(Pledge.amount_minor), 0)).where(held).scalar_subquery(),
        investor_count=select(func.count(func.distinct(Pledge.investor_id))).where(held).scalar_subquery(),
    ).execution_options(synchronize_session=False))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE users, pledges, projects"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started
