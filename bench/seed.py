"""Bulk-load a large, realistic catalogue into a scratch database built by the product's migrations."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

from sqlalchemy import insert, select

from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.projects.models import Project, ProjectSdg
from marketplace.reference.models import Country, Region, Sector

SIZES = {"ci": 1_000, "full": 10_000}
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
