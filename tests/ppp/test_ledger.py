"""The contribution ledger and milestones: sums, refusals that write nothing, tranches, scope, concurrency."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from tests.ppp.conftest import Part


class Books:
    """Calls the ledger and milestone services as a view would, each in its own transaction."""

    def __init__(self, app, plans, make):
        self.app = app
        self.plans = plans
        self.make = make
        self.fund_member = make.user(organisation=plans.orgs["programme_fund"])

    def call(self, actor_id: int, function, *args, **kwargs):
        from marketplace.accounts.models import User

        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                result = function(db.session.get(User, actor_id), *[self._load(a) for a in args], **kwargs)
                db.session.commit()
                return getattr(result, "id", result)
            finally:
                db.session.remove()

    @staticmethod
    def _load(value):
        if isinstance(value, tuple):
            model, key = value
            return db.session.get(model, key)
        return value

    def component(self, project_id: int, kind: str) -> int:
        from marketplace.ppp.models import FinancingComponent

        with self.app.app_context():
            return db.session.scalar(select(FinancingComponent.id).where(
                FinancingComponent.project_id == project_id, FinancingComponent.kind == kind))

    def pay(self, actor_id: int, project_id: int, kind: str, amount_mad: int, reference: str, **kwargs):
        from marketplace.ppp.ledger import record_disbursement
        from marketplace.ppp.models import FinancingComponent
        from marketplace.projects.models import Project

        component = self.component(project_id, kind)
        return self.call(actor_id, lambda actor, project, c: record_disbursement(
            actor, project, c, amount_minor=amount_mad * 100, disbursed_on=kwargs.pop("on", date.today()),
            reference=reference, **kwargs), (Project, project_id), (FinancingComponent, component))

    def ledger(self, project_id: int) -> dict:
        from marketplace.ppp.ledger import ledger_of
        from marketplace.projects.models import Project

        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            books = ledger_of(db.session.get(Project, project_id))
            lines = {(line.partner, line.kind): (line.planned, line.committed, line.disbursed, line.remaining)
                     for line in books.cash + books.non_cash}
            return {"lines": lines, "cash": [line.kind for line in books.cash],
                    "non_cash": [line.kind for line in books.non_cash], "entries": len(books.entries),
                    "totals": tuple(books.total(n) for n in ("planned", "committed", "disbursed", "remaining"))}

    def count(self, model) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    def status_of(self, model, key) -> str:
        with self.app.app_context():
            return db.session.get(model, key).status


@pytest.fixture
def books(app, plans, make) -> Books:
    return Books(app, plans, make)


PARTS = [Part("own_funds_local", 100_000, status="committed"), Part("bank_loan", 300_000, "bank", status="committed"),
         Part("grant", 100_000, "programme_fund", status="approved"), Part("guarantee", 240_000, "programme_fund"),
         Part("in_kind", 20_000, "commune", status="committed")]


def funded_project(plans, parts=PARTS, total=500_000, **overrides) -> int:
    project = plans.project(currency="MAD", status=overrides.pop("status", "funded"), **overrides)
    plans.save(project, total, parts)
    return project


def test_the_ledger_sums_commitments_and_payments_per_partner_with_non_cash_apart(plans, books):
    project = funded_project(plans)
    books.pay(plans.owner.id, project, "own_funds_local", 60_000, "OWN-1")
    books.pay(plans.banker.id, project, "bank_loan", 120_000, "LOAN-1")
    books.pay(plans.banker.id, project, "bank_loan", 30_000, "LOAN-2")
    ledger = books.ledger(project)
    bank, fund = plans.bank.name, plans.orgs["programme_fund"].name
    assert ledger["lines"][("The project's promoter", "own_funds_local")] == (100_000_00, 100_000_00, 60_000_00,
                                                                              40_000_00)
    assert ledger["lines"][(bank, "bank_loan")] == (300_000_00, 300_000_00, 150_000_00, 150_000_00)
    assert ledger["lines"][(fund, "grant")] == (100_000_00, 100_000_00, 0, 100_000_00)
    assert ledger["lines"][(fund, "guarantee")] == (240_000_00, 0, 0, 0)  # planned, not yet committed
    assert sorted(ledger["non_cash"]) == ["guarantee", "in_kind"] and "guarantee" not in ledger["cash"]
    assert ledger["totals"] == (500_000_00, 500_000_00, 210_000_00, 290_000_00)
    assert ledger["entries"] == 3


def test_a_payment_above_what_remains_is_refused_and_writes_nothing(plans, books):
    from marketplace.audit.models import AuditEvent
    from marketplace.ppp.ledger_models import Disbursement
    from marketplace.ppp.models import FinancingComponent

    project = funded_project(plans)
    books.pay(plans.banker.id, project, "bank_loan", 250_000, "LOAN-1")
    audit_before = books.count(AuditEvent)
    with pytest.raises(DomainError) as refused:
        books.pay(plans.banker.id, project, "bank_loan", 50_001, "LOAN-2")
    assert refused.value.field == "amount" and "50,000" in refused.value.message
    assert books.count(Disbursement) == 1 and books.count(AuditEvent) == audit_before
    books.pay(plans.banker.id, project, "bank_loan", 50_000, "LOAN-2")  # exactly the rest
    assert books.status_of(FinancingComponent, books.component(project, "bank_loan")) == "disbursed"
    with pytest.raises(DomainError):
        books.pay(plans.banker.id, project, "bank_loan", 1, "LOAN-3")


@pytest.mark.parametrize(("payer", "kind", "amount", "reference", "on", "field", "error"), [
    ("bank", "bank_loan", 0, "R-1", None, "amount", DomainError),
    ("bank", "bank_loan", 10, "  ", None, "reference", DomainError),
    ("bank", "bank_loan", 10, "R-1", date.today() + timedelta(days=1), "disbursed_on", DomainError),
    ("bank", "bank_loan", 10, "R-1", date.today() - timedelta(days=365), "disbursed_on", DomainError),  # pre-campaign
    ("fund", "guarantee", 10, "R-1", None, "component_id", DomainError),
    ("bank", "grant", 10, "R-1", None, None, ForbiddenError),  # the bank does not pay the fund's grant
])
def test_bad_payments_are_refused_with_the_field_at_fault(plans, books, payer, kind, amount, reference, on, field,
                                                          error):
    from marketplace.ppp.ledger_models import Disbursement

    project = funded_project(plans)
    actor = plans.banker.id if payer == "bank" else books.fund_member.id
    with pytest.raises(error) as refused:
        books.pay(actor, project, kind, amount, reference, on=on or date.today())
    assert refused.value.field == field
    assert books.count(Disbursement) == 0


def test_uncommitted_financing_and_duplicate_references_are_refused(plans, books):
    parts = [Part("own_funds_local", 100_000, status="committed"), Part("bank_loan", 400_000, "bank")]
    project = funded_project(plans, parts)
    with pytest.raises(ConflictError):
        books.pay(plans.banker.id, project, "bank_loan", 10, "R-1")
    books.pay(plans.owner.id, project, "own_funds_local", 10, "R-1")
    with pytest.raises(ConflictError) as duplicate:
        books.pay(plans.owner.id, project, "own_funds_local", 10, "R-1")
    assert duplicate.value.field == "reference"


def test_the_provider_confirms_its_commitment_and_only_the_provider(plans, books, make):
    from marketplace.ppp.ledger import confirm_commitment
    from marketplace.ppp.models import FinancingComponent
    from marketplace.projects.models import Project

    parts = [Part("own_funds_local", 100_000), Part("bank_loan", 400_000, "bank")]
    project = funded_project(plans, parts)
    loan = books.component(project, "bank_loan")
    outsider = make.user(organisation=make.organisation(type="bank"))
    for actor in (outsider.id, plans.owner.id):
        with pytest.raises(ForbiddenError):
            books.call(actor, confirm_commitment, (FinancingComponent, loan), (Project, project))
    books.call(plans.banker.id, confirm_commitment, (FinancingComponent, loan), (Project, project))
    assert books.status_of(FinancingComponent, loan) == "committed"
    with pytest.raises(ConflictError):
        books.call(plans.banker.id, confirm_commitment, (FinancingComponent, loan), (Project, project))
    assert books.ledger(project)["lines"][(plans.bank.name, "bank_loan")][1] == 400_000_00


def test_the_first_payment_into_a_funded_project_starts_its_implementation(plans, books):
    from marketplace.projects.models import Project

    project = funded_project(plans)
    books.pay(plans.owner.id, project, "own_funds_local", 1_000, "OWN-1")
    assert books.status_of(Project, project) == "in_implementation"


def test_the_plan_cannot_be_replaced_once_payments_are_recorded(plans, books):
    project = funded_project(plans)
    books.pay(plans.owner.id, project, "own_funds_local", 1_000, "OWN-1")
    with pytest.raises(DomainError, match="already recorded"):
        plans.save(project, 500_000, [Part("own_funds_local", 500_000)])


def test_crowd_pledges_and_their_match_appear_as_contributions(app, plans, books, make):
    from marketplace.models_common import utcnow
    from marketplace.pledges.models import MatchPool, Pledge

    parts = [Part("crowd_pledges", 200_000), Part("own_funds_local", 300_000, status="committed")]
    project = funded_project(plans, parts)
    investor = make.investor()
    matcher = plans.orgs["diaspora_association"]
    with app.app_context():
        pool = MatchPool(name="Match", organisation_id=matcher.id, project_id=project, currency="MAD",
                         ratio_percent=100, cap_per_pledge_minor=10**9, cap_per_investor_minor=10**9,
                         total_minor=10**9, used_minor=0)
        db.session.add(pool)
        db.session.flush()
        for n, (status, amount, matched) in enumerate([("paid", 50_000_00, 50_000_00), ("committed", 20_000_00, 0),
                                                       ("collecting", 10_000_00, 10_000_00),
                                                       ("offered", 5_000_00, 5_000_00), ("revoked", 7_000_00, 0)]):
            db.session.add(Pledge(reference=f"PSL-TEST-{n:04d}", request_key=f"k{n}", project_id=project,
                                  investor_id=investor.id, amount_minor=amount, currency="MAD",
                                  method="bank_transfer", status=status, project_version_number=1,
                                  match_pool_id=pool.id if matched else None, matched_minor=matched,
                                  revocable_until=utcnow()))
        db.session.commit()
    ledger = books.ledger(project)
    assert ledger["lines"][("Diaspora investors", "crowd_pledges")] == (200_000_00, 80_000_00, 50_000_00, 30_000_00)
    assert ledger["lines"][(matcher.name, "match")] == (0, 60_000_00, 50_000_00, 10_000_00)


class Milestones:
    def __init__(self, books):
        self.books = books

    def add(self, actor_id, project_id, *, codes=(), title="Equipment installed"):
        from marketplace.ppp.milestones import add_milestone
        from marketplace.projects.models import Project

        return self.books.call(actor_id, lambda actor, project: add_milestone(
            actor, project, title=title, due_on=date.today(), evidence_required="Installation report",
            indicator_codes=codes), (Project, project_id))

    def tranche(self, actor_id, project_id, milestone_id, kind, amount_mad):
        from marketplace.ppp.ledger_models import Milestone
        from marketplace.ppp.milestones import add_tranche
        from marketplace.ppp.models import FinancingComponent
        from marketplace.projects.models import Project

        return self.books.call(actor_id, lambda actor, project, milestone, component: add_tranche(
            actor, project, milestone=milestone, component=component, amount_minor=amount_mad * 100),
            (Project, project_id), (Milestone, milestone_id),
            (FinancingComponent, self.books.component(project_id, kind)))

    def submit(self, actor_id, project_id, milestone_id):
        from marketplace.ppp.ledger_models import Milestone
        from marketplace.ppp.milestones import submit_evidence
        from marketplace.projects.models import Project, ProjectDocument

        def act(actor, project, milestone):
            document = ProjectDocument(project_id=project.id, kind="evidence", title="Report",
                                       storage_name=f"e{milestone.id}-{milestone.status}", original_name="report.pdf",
                                       size_bytes=10, page_count=1, is_public=False)
            db.session.add(document)
            db.session.flush()
            return submit_evidence(actor, project, milestone, document=document)

        return self.books.call(actor_id, act, (Project, project_id), (Milestone, milestone_id))

    def judge(self, actor_id, project_id, milestone_id, decision="approve", note="Seen on site"):
        from marketplace.ppp import milestones
        from marketplace.ppp.ledger_models import Milestone
        from marketplace.projects.models import Project

        function = milestones.approve_milestone if decision == "approve" else milestones.return_milestone
        return self.books.call(actor_id, lambda actor, project, milestone: function(
            actor, project, milestone, note=note), (Project, project_id), (Milestone, milestone_id))

    def release(self, actor_id, project_id, tranche_id, reference="GR-1"):
        from marketplace.ppp.ledger_models import Tranche
        from marketplace.ppp.milestones import release_tranche
        from marketplace.projects.models import Project

        return self.books.call(actor_id, lambda actor, project, tranche: release_tranche(
            actor, project, tranche, disbursed_on=date.today(), reference=reference),
            (Project, project_id), (Tranche, tranche_id))


@pytest.fixture
def milestones(books) -> Milestones:
    return Milestones(books)


def monitor_of(plans, make, project_id: int):
    """A member of an organisation that monitors the project, with an agreed role."""
    from tests.ppp.test_partners import Partners

    agency = make.organisation(type="implementing_agency")
    member = make.user(organisation=agency)
    partners = Partners(plans.app, plans)
    role = partners.assign(project_id, agency.id, iati_role=2, iati_org_type="40", functions=["monitor"])
    partners.step(role, "agree")
    return member


def test_a_tranche_is_released_only_after_its_milestone_is_met(plans, books, milestones, make):
    from marketplace.ppp.ledger_models import Disbursement, Milestone, Tranche

    project = funded_project(plans)
    monitor = monitor_of(plans, make, project)
    milestone = milestones.add(plans.owner.id, project)
    tranche = milestones.tranche(plans.owner.id, project, milestone, "grant", 40_000)
    fund = books.fund_member.id
    with pytest.raises(ConflictError, match="is met"):
        milestones.release(fund, project, tranche)
    with pytest.raises(DomainError, match="tranches"):  # no way around the milestone
        books.pay(fund, project, "grant", 40_000, "GR-0")
    milestones.submit(plans.owner.id, project, milestone)
    with pytest.raises(ConflictError):
        milestones.release(fund, project, tranche)
    milestones.judge(monitor.id, project, milestone, "return", note="The report is not signed")
    assert books.status_of(Milestone, milestone) == "returned"
    milestones.submit(plans.owner.id, project, milestone)
    milestones.judge(monitor.id, project, milestone)
    assert books.status_of(Milestone, milestone) == "met"
    with pytest.raises(ForbiddenError):  # only the grant's provider releases it
        milestones.release(plans.banker.id, project, tranche)
    milestones.release(fund, project, tranche)
    assert books.status_of(Tranche, tranche) == "released" and books.count(Disbursement) == 1
    assert books.ledger(project)["lines"][(plans.orgs["programme_fund"].name, "grant")][2] == 40_000_00
    with pytest.raises(ConflictError, match="already been released"):
        milestones.release(fund, project, tranche, reference="GR-2")
    assert books.count(Disbursement) == 1


def test_milestones_are_judged_by_a_monitor_or_the_authority_never_by_the_owner_or_the_submitter(
        plans, books, milestones, make):
    from marketplace.ppp.ledger_models import Milestone

    project = funded_project(plans)
    milestone = milestones.add(plans.owner.id, project)
    milestones.submit(plans.owner.id, project, milestone)
    stranger = make.user(organisation=make.organisation(type="implementing_agency"))
    for actor in (plans.owner.id, plans.banker.id, stranger.id):
        with pytest.raises(ForbiddenError):
            milestones.judge(actor, project, milestone)
    admin = make.admin()
    with pytest.raises(DomainError) as no_note:
        milestones.judge(admin.id, project, milestone, "return", note=" ")
    assert no_note.value.field == "note"
    assert books.status_of(Milestone, milestone) == "submitted"
    milestones.judge(admin.id, project, milestone)
    assert books.status_of(Milestone, milestone) == "met"
    with pytest.raises(ConflictError):
        milestones.judge(admin.id, project, milestone)


def test_a_milestone_naming_indicators_waits_for_their_verified_results(plans, books, milestones, make):
    project = funded_project(plans)
    milestone = milestones.add(plans.owner.id, project, codes=["pi3687", " OI6213 ", "PI3687"])
    tranche = milestones.tranche(plans.owner.id, project, milestone, "grant", 40_000)
    milestones.submit(plans.owner.id, project, milestone)
    milestones.judge(make.admin().id, project, milestone)
    with pytest.raises(ConflictError, match="PI3687, OI6213"):
        milestones.release(books.fund_member.id, project, tranche)


def test_tranches_stay_within_their_financing_and_only_grants_and_loans_have_them(plans, books, milestones):
    from marketplace.ppp.ledger_models import Tranche

    project = funded_project(plans)
    first = milestones.add(plans.owner.id, project)
    second = milestones.add(plans.owner.id, project, title="Opening")
    milestones.tranche(plans.owner.id, project, first, "grant", 60_000)
    with pytest.raises(DomainError) as too_much:
        milestones.tranche(plans.owner.id, project, second, "grant", 40_001)
    assert too_much.value.field == "amount" and "40,000" in too_much.value.message
    with pytest.raises(DomainError) as wrong_kind:
        milestones.tranche(plans.owner.id, project, second, "own_funds_local", 10)
    assert wrong_kind.value.field == "component_id"
    with pytest.raises(ConflictError):
        milestones.tranche(plans.owner.id, project, first, "grant", 10)
    with pytest.raises(ForbiddenError):
        milestones.tranche(plans.banker.id, project, second, "grant", 10)
    assert books.count(Tranche) == 1


def test_milestones_need_a_title_a_date_and_evidence_and_a_managing_party(plans, books, milestones, make):
    from marketplace.ppp.ledger_models import Milestone
    from marketplace.ppp.milestones import add_milestone
    from marketplace.projects.models import Project

    project = funded_project(plans)
    for values, field in [({"title": ""}, "title"), ({"due_on": None}, "due_on"),
                          ({"evidence_required": " "}, "evidence_required"),
                          ({"indicator_codes": ["PI 36"]}, "indicator_codes")]:
        arguments = {"title": "Opening", "due_on": date.today(), "evidence_required": "Report"} | values
        with pytest.raises(DomainError) as refused:
            books.call(plans.owner.id, lambda actor, p, a=arguments: add_milestone(actor, p, **a), (Project, project))
        assert refused.value.field == field
    with pytest.raises(ForbiddenError):
        milestones.add(plans.banker.id, project)
    assert books.count(Milestone) == 0


def test_two_payments_at_once_cannot_together_pass_the_commitment(app, plans, books):
    from marketplace.ppp.ledger_models import Disbursement

    project = funded_project(plans)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def pay(reference: str):
        barrier.wait()
        try:
            books.pay(plans.banker.id, project, "bank_loan", 200_000, reference)
            results.append("paid")
        except DomainError:
            results.append("refused")

    threads = [threading.Thread(target=pay, args=(f"LOAN-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["paid", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.sum(Disbursement.amount_minor))) == 200_000_00


def test_the_source_raised_by_the_campaign_is_paid_by_pledges_not_by_hand(app, plans, books, make):
    from marketplace.models_common import utcnow
    from marketplace.pledges.models import Pledge

    parts = [Part("own_funds_fx", 100_000, status="committed", raised=True),
             Part("bank_loan", 400_000, "bank", status="committed")]
    project = funded_project(plans, parts)
    investor = make.investor()
    with app.app_context():
        for n, status in enumerate(("paid", "committed")):
            db.session.add(Pledge(reference=f"PSL-RAIS-{n:04d}", request_key=f"r{n}", project_id=project,
                                  investor_id=investor.id, amount_minor=30_000_00, currency="MAD",
                                  method="bank_transfer", status=status, project_version_number=1,
                                  revocable_until=utcnow()))
        db.session.commit()
    ledger = books.ledger(project)
    assert ledger["lines"][("Diaspora investors", "own_funds_fx")] == (100_000_00, 60_000_00, 30_000_00, 30_000_00)
    assert ("The project's promoter", "own_funds_fx") not in ledger["lines"]  # counted once, from the pledges
    with pytest.raises(DomainError, match="pledges pay it") as refused:
        books.pay(plans.owner.id, project, "own_funds_fx", 10, "OWN-1")
    assert refused.value.field == "component_id"


def test_only_one_cash_source_is_raised_by_the_campaign(plans):
    project = plans.project(currency="MAD", status="draft")
    with pytest.raises(DomainError) as two:
        plans.save(project, 500_000, [Part("crowd_pledges", 100_000), Part("own_funds_fx", 400_000, raised=True)])
    assert two.value.field == "components-1-raised_by_campaign"
    with pytest.raises(DomainError) as guarantee:
        plans.save(project, 500_000, [Part("own_funds_fx", 500_000), Part("guarantee", 10_000, raised=True)])
    assert guarantee.value.field == "components-1-raised_by_campaign"
    assert plans.stored(project) is None


def test_the_grant_the_rules_compute_is_provided_by_the_programme_fund_manager(app, plans):
    from marketplace.programmes.models import Programme

    with app.app_context():
        programme = db.session.scalar(select(Programme).where(Programme.code == "MDM"))
        programme.fund_manager_organisation_id = plans.orgs["programme_fund"].id
        db.session.commit()
    project = plans.project(scheme="MDM", sector="HEA", status="draft")
    saved = plans.save(project, 9_800_000, [Part("own_funds_fx", 2_450_000, raised=True),
                                            Part("bank_loan", 6_370_000, "bank")])
    grant = next(c for c in saved["components"] if c["computed"])
    assert grant["provider_organisation_id"] == plans.orgs["programme_fund"].id
