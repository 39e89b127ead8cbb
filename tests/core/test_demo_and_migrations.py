"""Demo data loads once and gives every role; the migrations reproduce the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.services import verify_chain
from marketplace.demo.data import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.reference.models import Region, Sector


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            # PostgreSQL's full-text column and index are made by hand in migration 0003.
            "include_object": lambda obj, name, type_, *rest: not (
                (name or "").startswith("ix_fts_") or (type_ == "column" and name == "search_vector")),
        })
        assert compare_metadata(context, db.metadata) == []


def test_reference_data_has_moroccan_regions_and_sectors(app):
    with app.app_context():
        assert db.session.scalar(select(func.count(Region.id)).where(Region.iso_code.like("MA-%"))) == 12
        assert db.session.scalar(select(Region.name_ar).where(Region.iso_code == "MA-06")) == "الدار البيضاء سطات"
        codes = set(db.session.scalars(select(Sector.code)))
        assert codes == {"AGR", "IND", "TOU", "HEA", "EDU", "ENR", "ICT", "LOG"}


def test_seed_demo_is_idempotent_and_audited(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Organisation.id))),
        )
    second = runner.invoke(args=["seed-demo"])
    assert ("0 organisations, 0 users, 0 memberships, 0 projects, 0 pledges, 0 ledgers, 0 frameworks, 0 values new"
            in second.output)
    with app.app_context():
        assert counts == (db.session.scalar(select(func.count(User.id))),
                          db.session.scalar(select(func.count(Organisation.id))))
        # 10 role representatives, 18 listing-organisation staff accounts and the 47 investors of b.8.
        assert counts[0] == 75
        from marketplace.pledges.models import Pledge

        states = dict(db.session.execute(select(Pledge.status, func.count()).group_by(Pledge.status)).all())
        assert states.keys() >= {"offered", "committed", "revoked", "paid"} and sum(states.values()) > 100
        from marketplace.ppp.models import FinancingPlan
        from marketplace.ppp.partner_models import PartnerRole

        assert db.session.scalar(select(func.count(FinancingPlan.id))) == 40
        roles = dict(db.session.execute(select(PartnerRole.status, func.count()).group_by(PartnerRole.status)).all())
        assert roles.keys() == {"proposed", "agreed", "active"} and sum(roles.values()) > 80
        assert verify_chain().ok
        from marketplace.dashboards.maintenance import drift

        assert drift() == []  # the dashboards' summaries were kept in step by the demo's own pledges and moves


def test_each_demo_role_can_log_in(app, runner, browserless):
    runner.invoke(args=["seed-demo"])
    # Each account's saved language picks the interface language, and the role picks the navigation.
    expected = {
        "investor.madrid@demo.passerelle.org": ("en", "Investor profile", "Administration"),
        "investor.brussels@demo.passerelle.org": ("fr", "Profil investisseur", "Mes organisations"),
        "bank.officer@demo.passerelle.org": ("fr", "Mes organisations", "Profil investisseur"),
        "reviewer@demo.passerelle.org": ("fr", "Mes organisations", "Administration"),
        "regional.officer@demo.passerelle.org": ("ar", "منظماتي", "الإدارة"),
        "admin@demo.passerelle.org": ("en", "Administration", "Investor profile"),
    }
    for email, (language, shown, hidden) in expected.items():
        assert browserless.login(email, DEMO_PASSWORD).status_code == 302
        html = browserless.client.get("/").get_data(as_text=True)
        assert f'lang="{language}"' in html
        assert shown in html, email
        assert hidden not in html, email
        browserless.logout()


def test_demo_projects_follow_the_reference_mix(app, runner):
    from marketplace.projects.models import Project, ProjectDocument, ProjectPhoto

    runner.invoke(args=["seed-demo"])
    with app.app_context():
        statuses = dict(db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all())
        assert statuses == {"draft": 2, "in_review": 3, "published": 12, "funded": 7, "in_implementation": 7,
                            "completed": 9}
        listing_files = select(func.count(ProjectDocument.id)).where(ProjectDocument.kind != "evidence")
        assert db.session.scalar(listing_files) == 38 * 3 + 2 * 2
        assert db.session.scalar(select(func.count(ProjectPhoto.id))) == 40
        p07 = db.session.scalar(select(Project).where(Project.code == "P07"))
        assert (p07.target_minor, p07.currency, p07.status) == (1_674_000_000, "MAD", "published")
        assert verify_chain().ok
    client = app.test_client()
    assert "12 projects" in client.get("/projects/").get_data(as_text=True)
    assert client.get("/projects/?region=MA-02").status_code == 200
