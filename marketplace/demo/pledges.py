"""Demo investors and pledges (domain facts b.8, b.9), placed through the real pledge service.

Pledges are made "in the past" (the service takes `now`), so the revocation periods of most have ended
and they are committed; the most recent are still revocable; a few were revoked. A matching pool is
open on a 3x1 project, and two campaigns are left due so that `flask campaigns close-due` closes one as
funded and one as not funded.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.services import create_account
from marketplace.demo.data import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.organisations.models import Organisation
from marketplace.pledges import lifecycle, protection
from marketplace.pledges.matching import open_pool
from marketplace.pledges.models import Pledge
from marketplace.pledges.services import PledgeRequest, commit_due, place_pledge, revoke
from marketplace.projects.models import Project
from marketplace.reference.models import Country

# Residence split after HCP shares (b.8), scaled to 47 investors (plus the three named demo investors).
RESIDENCES = ["FR"] * 15 + ["ES"] * 9 + ["BE"] * 6 + ["IT"] * 6 + ["NL"] * 5 + ["DE"] * 2 + ["CA", "GB", "US", "AE"]
ZONES = {"CA": "America/Toronto", "US": "America/New_York"}  # the demo cities' own zones
CITIES = {"FR": "Paris", "ES": "Barcelona", "BE": "Bruxelles", "IT": "Bologna", "NL": "Rotterdam", "DE": "Düsseldorf",
          "CA": "Montréal", "GB": "London", "US": "New York", "AE": "Dubai"}
FIRST = ["Amina", "Youssef", "Salma", "Mehdi", "Khadija", "Rachid", "Imane", "Hamza", "Nora", "Said", "Leila",
         "Adil", "Sanae", "Tarik", "Hind", "Bilal"]
LAST = ["Amrani", "Bouzid", "Chaoui", "Daoudi", "El Fassi", "Ghazi", "Haddad", "Idrissi", "Jabri", "Kettani",
        "Lahlou", "Mansouri"]
FUNDED_DEMO, FAILED_DEMO, POOL_DEMO = "P31", "P20", "P36"


def _ticket(rng: random.Random, project: Project) -> int:
    """Minor units within b.9's ranges, never below the minimum ticket."""
    scheme = project.programme.code if project.programme else "EQ"
    low, high = {"MDM": (50_000, 400_000), "EQ": (20_000, 300_000), "3X1": (500, 5_000),
                 "INT": (10_000, 60_000), "FOR": (5_000, 20_000)}.get(scheme, (10_000, 50_000))
    amount = rng.randrange(low, high + 1, 500 if high <= 5_000 else 5_000)
    return max(amount * 100, project.min_ticket_minor)


def _investors(countries: dict[str, int]) -> list[User]:
    users = []
    for n, residence in enumerate(RESIDENCES):
        email = f"investor.{n + 1:02d}@demo.passerelle.org"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_account(email=email, password=DEMO_PASSWORD, is_investor=True,
                                  display_name=f"{FIRST[n % len(FIRST)]} {LAST[(n * 5) % len(LAST)]}",
                                  locale="fr" if residence in {"FR", "BE"} else "en",
                                  residence_country_id=countries[residence], residence_city=CITIES[residence])
            user.time_zone = ZONES.get(residence)
        users.append(user)
    named = db.session.scalars(select(User).where(User.email.in_(
        ["investor.brussels@demo.passerelle.org", "investor.madrid@demo.passerelle.org",
         "expert.rotterdam@demo.passerelle.org"]))).all()
    return [*named, *users]


def _answer_questionnaires(users: list[User], rng: random.Random, when) -> None:
    right = {str(i): q[2] for i, q in enumerate(protection.KNOWLEDGE_QUESTIONS)}
    for user in users:
        if protection.latest_assessment(user.id, "knowledge_test") is None:
            protection.record_knowledge_test(user, right)
            protection.record_loss_simulation(user, income_minor=rng.randrange(30_000, 90_000) * 100,
                                              liquid_assets_minor=rng.randrange(5_000, 150_000) * 100,
                                              commitments_minor=rng.randrange(5_000, 25_000) * 100)
        if user.residence_country and user.residence_country.iso2 == "US" \
                and protection.latest_assessment(user.id, "regcf_financials") is None:
            protection.record_regcf_financials(user, income_minor=15_000_000, net_worth_minor=30_000_000,
                                               accredited=True)


def seed_pledges(today: date | None = None) -> int:
    """Place the demo pledges once; returns how many were placed."""
    if db.session.scalar(select(func.count(Pledge.id))):
        return 0
    today = today or date.today()
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    countries = {c.iso2: c.id for c in db.session.scalars(select(Country))}
    investors = _investors(countries)
    now = utcnow()
    _answer_questionnaires(investors, rng, now)
    projects = {p.code: p for p in db.session.scalars(select(Project).where(Project.is_demo.is_(True),
                                                                            Project.status == "published"))}
    authority = db.session.scalar(select(Organisation).where(Organisation.slug == "org-01-ministere-mdm"))
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@demo.passerelle.org"))
    if POOL_DEMO in projects:
        open_pool(reviewer, organisation=authority, project=projects[POOL_DEMO],
                  name="Contrepartie publique 1 pour 1 (démo)", ratio_percent=100, cap_per_pledge_minor=500_000,
                  cap_per_investor_minor=1_000_000, total_minor=15_000_000)
    placed = 0
    ordinary = [code for code in sorted(projects) if code not in {FUNDED_DEMO, FAILED_DEMO}]
    for n in range(320):
        project = projects[ordinary[n % len(ordinary)]]
        investor = investors[rng.randrange(len(investors))]
        amount = _ticket(rng, project)
        if project.pledged_minor + amount > project.target_minor * 9 // 10:
            continue  # leave room: demo campaigns are still open
        days_ago = rng.choice([1, 2, 3, 6, 9, 12, 15, 20])
        if placed >= 3 and n % 23 == 0:
            days_ago = 1
        placed += _place(investor, project, amount, now - timedelta(days=days_ago, hours=rng.randrange(12)),
                         revoke_after=n % 23 == 0)
    # One campaign ends funded, one not funded, as soon as `flask campaigns close-due` runs.
    for code, share in ((FUNDED_DEMO, 100), (FAILED_DEMO, 30)):
        project = projects.get(code)
        if project is None:
            continue
        goal = project.target_minor * share // 100
        for investor in investors[:6]:
            left = goal - project.pledged_minor
            if left <= 0:
                break
            amount = max(min(left, max(project.target_minor // 5, project.min_ticket_minor)), project.min_ticket_minor)
            placed += _place(investor, project, min(amount, project.remaining_minor), now - timedelta(days=8))
            db.session.refresh(project)
        project.campaign_ends_on = today - timedelta(days=1)
    commit_due(now)
    placed += _paid_history(investors, rng, now)
    return placed


def _paid_history(investors: list[User], rng: random.Random, now) -> int:
    """Funded and later projects reached their state as demo history, so do their pledges: paid transfers
    that add up to the target, each with the history it would have had."""
    from marketplace.audit.services import record
    from marketplace.pledges.models import PledgeTransition, TransferReceipt

    banker = db.session.scalar(select(User).where(User.email == "bank.officer@demo.passerelle.org"))
    done = db.session.scalars(select(Project).where(
        Project.is_demo.is_(True), Project.status.in_(("funded", "in_implementation", "completed")))).all()
    count = 0
    for project in done:
        parts = max(1, min(6, project.target_minor // max(project.min_ticket_minor, 1)))
        share = project.target_minor // parts
        amounts = [share] * (parts - 1) + [project.target_minor - share * (parts - 1)]
        backers = rng.sample(investors, k=min(parts, len(investors)))
        closed = now - timedelta(days=60 + project.id % 90)
        for investor, amount in zip(backers, amounts, strict=False):
            offered = closed - timedelta(days=20)
            pledge = Pledge(reference=f"PSL-D{project.id:03d}-{count:04d}", request_key=f"demo-history-{count}",
                            project_id=project.id, investor_id=investor.id, amount_minor=amount,
                            residence_country_id=investor.residence_country_id,
                            currency=project.currency, method="bank_transfer", status="paid",
                            project_version_number=project.version_number, offered_at=offered,
                            revocable_until=offered, committed_at=offered, payment_due_by=closed + timedelta(days=7),
                            settled_at=closed + timedelta(days=3), received_minor=amount, created_at=offered)
            db.session.add(pledge)
            db.session.flush()
            lifecycle.announce(pledge, None, "paid")
            for action, source, target, at in (("offer", None, "offered", offered),
                                               ("commit", "offered", "committed", offered),
                                               ("start_collection", "committed", "collecting", closed),
                                               ("mark_paid", "collecting", "paid", closed + timedelta(days=3))):
                db.session.add(PledgeTransition(pledge_id=pledge.id, action=action, from_status=source,
                                                to_status=target, created_at=at, note="Demo data: history."))
            db.session.add(TransferReceipt(pledge_id=pledge.id, amount_minor=amount, recorded_by_id=banker.id,
                                           received_on=(closed + timedelta(days=3)).date()))
            count += 1
        project.pledged_minor = sum(amounts[:len(backers)])
        project.investor_count = len(backers)
        record("pledge.demo_history", object_type="project", object_id=project.id,
               after={"paid_pledges": len(backers), "pledged_minor": project.pledged_minor}, note="demo data")
    db.session.flush()
    return count


def _place(investor: User, project: Project, amount: int, when, *, revoke_after: bool = False) -> int:
    request = PledgeRequest(amount_minor=amount, currency=project.currency, method="bank_transfer",
                            request_key=f"demo-{investor.id}-{project.id}-{int(when.timestamp())}",
                            reflection_notice_seen=True, risk_warning_acknowledged=True, high_amount_consent=True,
                            understanding_answer=2)
    pledge = place_pledge(investor, project, request, now=when)
    if revoke_after and pledge.status == "offered":
        revoke(investor, pledge, now=when + timedelta(hours=5))
    db.session.refresh(project)
    return 1
