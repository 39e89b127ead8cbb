"""Loading the demo data through the same services users go through; safe to run again."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.services import create_account
from marketplace.demo.data import DEMO_PASSWORD, ORGANISATIONS, USERS
from marketplace.demo.projects import owner_slugs, seed_programme_partners, seed_programmes, seed_projects
from marketplace.extensions import db
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.services import add_membership, create_organisation
from marketplace.reference.models import Country, Region
from marketplace.reference.services import load_reference_data


def seed_demo(*, with_projects: bool = True) -> dict[str, int]:
    """Create whatever demo organisation, user, membership or listing is missing; existing rows stay."""
    created = {"organisations": 0, "users": 0, "memberships": 0, "projects": 0}
    load_reference_data()
    countries = {c.iso2: c.id for c in db.session.scalars(select(Country))}
    regions = {r.iso_code: r.id for r in db.session.scalars(select(Region))}
    organisations = {o.slug: o for o in db.session.scalars(select(Organisation))}
    for slug, name, kind, country, region in ORGANISATIONS:
        if slug in organisations:
            continue
        organisations[slug] = create_organisation(
            actor=None, name=name, type=kind, slug=slug, is_demo=True,
            country_id=countries.get(country), region_id=regions.get(region) if region else None,
        )
        created["organisations"] += 1

    users = {u.email: u for u in db.session.scalars(select(User))}
    memberships = {tuple(row) for row in db.session.execute(select(Membership.user_id, Membership.organisation_id))}
    for email, name, locale, investor, country, city, origin, membership in USERS:
        user = users.get(email)
        if user is None:
            user = create_account(
                email=email, password=DEMO_PASSWORD, display_name=name, is_investor=investor, locale=locale,
                residence_country_id=countries.get(country) if country else None, residence_city=city,
                origin_region_id=regions.get(origin) if origin else None,
            )
            created["users"] += 1
        if membership:
            organisation = organisations[membership[0]]
            if (user.id, organisation.id) not in memberships:
                add_membership(actor=None, organisation=organisation, user=user, role=membership[1])
                created["memberships"] += 1
    # Every organisation that lists demo projects has a staff account of its own.
    for slug in sorted(owner_slugs()):
        email = f"staff.{slug}@demo.passerelle.org"
        user = users.get(email)
        if user is None:
            user = create_account(email=email, password=DEMO_PASSWORD, display_name=f"Équipe {slug}", locale="fr")
            created["users"] += 1
        if (user.id, organisations[slug].id) not in memberships:
            add_membership(actor=None, organisation=organisations[slug], user=user, role="manager")
            created["memberships"] += 1
    seed_programmes()
    from marketplace.ppp.rule_sets import load_rule_sets

    load_rule_sets()  # rule sets name their programme, which exists only from here on
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.passerelle.org"))
    if admin is not None:
        seed_programme_partners(admin)
    if with_projects:
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer@demo.passerelle.org"))
        banker = db.session.scalar(select(User).where(User.email == "bank.officer@demo.passerelle.org"))
        created["projects"] = seed_projects(reviewer=reviewer, banker=banker)
        from marketplace.demo.pledges import seed_pledges

        created["pledges"] = seed_pledges()
        from marketplace.demo.ledger import seed_ledgers

        created["ledgers"] = seed_ledgers()
        from marketplace.impact.demo import seed_impact

        created.update(seed_impact())
    return created
