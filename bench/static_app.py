"""The catalogue template rendered from in-memory objects: the page's cost without any database work."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from flask import render_template

from marketplace import create_app
from marketplace.dashboards.queries import Figure, PublicTotals
from marketplace.models_common import utcnow
from marketplace.organisations.models import Organisation
from marketplace.projects.models import Project
from marketplace.projects.queries import PER_PAGE, CatalogueQuery
from marketplace.projects.views import catalogue_choices
from marketplace.reference.models import Country, Region, Sector

app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://")


def _fixtures() -> list[tuple[Project, None]]:
    rng = random.Random(42)
    morocco = Country(iso2="MA", name_en="Morocco", name_fr="Maroc", name_ar="المغرب", currency="MAD")
    owner = Organisation(name="Banque Atlas Diaspora (démo)", type="bank", slug="bank")
    cards = []
    for n in range(PER_PAGE):
        region = Region(iso_code=f"MA-{n % 12 + 1:02d}", name_en=f"Region {n}", name_fr=f"Région {n}",
                        name_ar=f"جهة {n}", country=morocco)
        sector = Sector(code="HEA", name_en="Health", name_fr="Santé", name_ar="الصحة")
        target = rng.randint(100_000, 5_000_000) * 100
        project = Project(id=n + 1, title=f"Projet de démonstration {n}", summary="Un résumé " * 12,
                          language="fr", translations={}, region=region, sector=sector, country=morocco,
                          organisation=owner, instrument="equity", funding_rule="all_or_nothing", currency="MAD",
                          target_minor=target, min_ticket_minor=100_000, pledged_minor=rng.randint(0, target),
                          campaign_starts_on=date.today(), campaign_ends_on=date.today() + timedelta(days=30),
                          status="published", investor_count=rng.randint(0, 300))
        cards.append((project, None))
    return cards


CARDS = _fixtures()
OPTIONS = {"countries": [("MA", "Morocco")], "regions": [(f"MA-{n:02d}", f"Region {n}") for n in range(1, 13)],
           "sectors": [("HEA", "Health")], "programmes": []}


# The catalogue shows the public totals from the cache; here they come from memory (the page has no database).
TOTALS = PublicTotals(Figure(123_456_789_00, 5_000), "EUR", 120, Decimal(340), as_of=utcnow())


@app.get("/bench/catalogue")
def catalogue():
    return render_template("projects/catalogue.html", projects=CARDS, total=10_000, query=CatalogueQuery(),
                           pages=834, options=OPTIONS, today=date.today(), public_totals=lambda: TOTALS,
                           **catalogue_choices())
