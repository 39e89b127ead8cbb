"""The partnership workspace, its forms, the ledger CSV and the partnership list, through Flask's test client."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from marketplace.extensions import db
from tests.ppp.test_ledger import Books, Milestones, funded_project, monitor_of
from tests.projects.test_files import pdf_bytes


@pytest.fixture
def books(app, plans, make) -> Books:
    return Books(app, plans, make)


def login(browserless, user) -> None:
    assert browserless.login(user.email, user.password).status_code == 302


def workspace(project_id: int) -> str:
    return f"/projects/{project_id}/partnership"


def test_the_workspace_shows_roles_plan_ledger_milestones_and_agreements(browserless, plans, books):
    project = funded_project(plans)
    books.pay(plans.banker.id, project, "bank_loan", 120_000, "LOAN-1")
    Milestones(books).add(plans.owner.id, project, title="Dialysis machines installed")
    login(browserless, plans.owner)
    page = browserless.client.get(workspace(project)).get_data(as_text=True)
    for section in ("partners-title", "financing-plan", "ledger-table", "milestones-title", "agreements-title"):
        assert f'id="{section}"' in page
    assert "LOAN-1" in page and "Dialysis machines installed" in page
    assert re.search(r"120[\s\u202f\u00a0,.]?000", page)  # the payment, in the reader's locale


def test_a_bank_member_records_a_payment_through_the_form_and_bad_input_rerenders(browserless, plans, books):
    from marketplace.ppp.ledger_models import Disbursement

    project = funded_project(plans)
    login(browserless, plans.banker)
    loan = books.component(project, "bank_loan")
    form = {"payment-component_id": str(loan), "payment-amount": "300 001", "payment-disbursed_on": date.today()
            .isoformat(), "payment-reference": "LOAN-9", "payment-note": ""}
    refused = browserless.post_form(f"{workspace(project)}/disbursements", form, form_url=workspace(project))
    assert refused.status_code == 422
    assert "remains to be paid" in refused.get_data(as_text=True)
    assert books.count(Disbursement) == 0
    for bad in ({"payment-amount": "1e5"}, {"payment-amount": "abc"}, {"payment-disbursed_on": "31/02/2026"}):
        response = browserless.post_form(f"{workspace(project)}/disbursements", form | bad,
                                         form_url=workspace(project))
        assert response.status_code == 422
    assert books.count(Disbursement) == 0
    done = browserless.post_form(f"{workspace(project)}/disbursements", form | {"payment-amount": "300000"},
                                 form_url=workspace(project))
    assert done.status_code == 302 and books.count(Disbursement) == 1


def test_the_payment_form_offers_only_the_readers_own_financing(browserless, plans, books):
    project = funded_project(plans)
    login(browserless, plans.banker)
    page = browserless.client.get(workspace(project)).get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)">', page.split('id="record-payment"')[1].split("</form>")[0])
    assert options == [str(books.component(project, "bank_loan"))]
    # Posting another partner's component anyway is refused and writes nothing.
    response = browserless.post_form(f"{workspace(project)}/disbursements", {
        "payment-component_id": str(books.component(project, "grant")), "payment-amount": "10",
        "payment-disbursed_on": date.today().isoformat(), "payment-reference": "X"}, form_url=workspace(project))
    assert response.status_code == 422


def test_outsiders_get_no_workspace_and_no_csv(browserless, plans, make):
    project = funded_project(plans, status="approved")
    stranger = make.user(organisation=make.organisation(type="bank"))
    login(browserless, stranger)
    assert browserless.client.get(workspace(project)).status_code == 404
    assert browserless.client.get(f"{workspace(project)}/ledger.csv").status_code == 404
    investor = make.investor()
    browserless.logout()
    login(browserless, investor)
    public = funded_project(plans)  # funded projects are public: the answer is a refusal, not a secret
    assert browserless.client.get(workspace(public)).status_code == 403


def test_a_partner_organisation_member_reads_the_workspace(browserless, plans, make):
    project = funded_project(plans, status="approved")
    monitor = monitor_of(plans, make, project)
    login(browserless, monitor)
    assert browserless.client.get(workspace(project)).status_code == 200


def test_the_ledger_csv_agrees_with_the_ledger(browserless, plans, books):
    project = funded_project(plans)
    books.pay(plans.banker.id, project, "bank_loan", 120_000, "LOAN-1")
    login(browserless, plans.owner)
    response = browserless.client.get(f"{workspace(project)}/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    loan = next(row for row in rows if row["kind"] == "bank_loan")
    assert (loan["partner"], loan["committed"], loan["disbursed"], loan["remaining"]) == \
        (plans.bank.name, "300000.00", "120000.00", "180000.00")
    assert {row["kind"] for row in rows if row["cash"] == "no"} == {"guarantee", "in_kind"}


def test_the_milestone_workflow_through_the_pages(browserless, plans, books, make, tmp_path):
    from marketplace.ppp.ledger_models import Milestone, Tranche

    project = funded_project(plans)
    login(browserless, plans.owner)
    url = workspace(project)
    refused = browserless.post_form(f"{url}/milestones", {"milestone-title": "", "milestone-due_on": "",
                                                          "milestone-evidence_required": ""}, form_url=url)
    assert refused.status_code == 422 and books.count(Milestone) == 0
    assert browserless.post_form(f"{url}/milestones", {
        "milestone-title": "Machines installed", "milestone-due_on": "2027-03-01",
        "milestone-evidence_required": "Signed installation report"}, form_url=url).status_code == 302
    with plans.app.app_context():
        milestone = db.session.scalar(select(Milestone.id))
    assert browserless.post_form(f"{url}/tranches", {
        "tranche-milestone_id": str(milestone), "tranche-component_id": str(books.component(project, "grant")),
        "tranche-amount": "40000"}, form_url=url).status_code == 302
    pdf = pdf_bytes(1)
    not_pdf = browserless.post_form(f"{url}/milestones/{milestone}/evidence", {
        f"evidence-{milestone}-file": (io.BytesIO(b"hello"), "report.pdf")}, form_url=url,
        content_type="multipart/form-data")
    assert not_pdf.status_code == 422 and books.status_of(Milestone, milestone) == "pending"
    sent = browserless.post_form(f"{url}/milestones/{milestone}/evidence", {
        f"evidence-{milestone}-file": (io.BytesIO(pdf), "report.pdf"), f"evidence-{milestone}-note": "Signed"},
        form_url=url, content_type="multipart/form-data")
    assert sent.status_code == 302 and books.status_of(Milestone, milestone) == "submitted"
    # The owner sees no judging buttons and cannot judge by posting.
    assert "Approve: the milestone is met" not in browserless.client.get(url).get_data(as_text=True)
    assert browserless.post_form(f"{url}/milestones/{milestone}/approve", {}, form_url=url).status_code == 422
    browserless.logout()
    login(browserless, make.admin())
    assert "Approve: the milestone is met" in browserless.client.get(url).get_data(as_text=True)
    assert browserless.post_form(f"{url}/milestones/{milestone}/approve", {}, form_url=url).status_code == 302
    assert books.status_of(Milestone, milestone) == "met"
    browserless.logout()
    login(browserless, books.fund_member)
    with plans.app.app_context():
        tranche = db.session.scalar(select(Tranche.id))
    assert browserless.post_form(f"{url}/tranches/{tranche}/release", {
        f"release-{tranche}-disbursed_on": date.today().isoformat(), f"release-{tranche}-reference": "GR-1"},
        form_url=url).status_code == 302
    assert books.status_of(Tranche, tranche) == "released"


def test_the_partnership_list_filters_by_programme_role_and_state(browserless, plans, make):
    from tests.ppp.test_partners import Partners

    mdm = plans.project(scheme="MDM", currency="MAD", status="funded", title="Clinique MDM")
    plain = funded_project(plans, status="approved", title="Atelier sans programme")
    Partners(plans.app, plans).assign(mdm, plans.orgs["commune"].id, iati_role=1, iati_org_type="10",
                                      functions=["grantor"])
    foreign = funded_project(plans, title="Hors de portée")
    login(browserless, plans.banker)
    every = browserless.client.get("/partnerships").get_data(as_text=True)
    assert "Clinique MDM" in every and "Atelier sans programme" in every and "Partner bank" in every

    def titles(query: str) -> set[str]:
        page = browserless.client.get(f"/partnerships?{query}").get_data(as_text=True)
        return {t for t in ("Clinique MDM", "Atelier sans programme", "Hors de portée") if t in page}

    assert titles("programme=MDM") == {"Clinique MDM"}
    assert titles("function=grantor") == {"Clinique MDM"}
    assert titles("status=approved") == {"Atelier sans programme"}
    assert titles("status=nonsense&programme=%27;drop") == titles("")  # unknown values are ignored, and said so
    assert "Unknown values were ignored for: Programme, State." in browserless.client.get(
        "/partnerships?status=nonsense&programme=%27;drop").get_data(as_text=True)
    assert browserless.client.get("/partnerships?page=999999999").status_code == 200
    del foreign
    stranger = make.user(organisation=make.organisation(type="ngo"))
    browserless.logout()
    login(browserless, stranger)
    assert titles("") == set()
    del plain


def test_the_workspace_costs_the_same_number_of_queries_whatever_the_ledger_size(app, browserless, plans, books):
    small, large = funded_project(plans), funded_project(plans)
    books.pay(plans.banker.id, small, "bank_loan", 1, "S-1")
    for n in range(8):
        books.pay(plans.banker.id, large, "bank_loan", 1, f"L-{n}")
    milestones = Milestones(books)
    milestones.add(plans.owner.id, small)
    for n in range(5):
        milestones.add(plans.owner.id, large, title=f"Step {n}")
    login(browserless, plans.owner)

    def queries(project_id: int) -> int:
        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert browserless.client.get(workspace(project_id)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert queries(large) == queries(small)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["disbursements"])) == 9


def test_reviewing_authorities_list_their_countrys_partnerships_but_not_drafts(browserless, plans, make):
    from tests.factories import country_id

    submitted = funded_project(plans, status="in_review", title="Dossier en examen")
    draft = funded_project(plans, status="draft", title="Brouillon du porteur")
    authority = make.organisation(type="ministry", country_id=country_id(plans.app, "MA"))
    reviewer = make.user(organisation=authority)
    login(browserless, reviewer)
    page = browserless.client.get("/partnerships").get_data(as_text=True)
    assert "Dossier en examen" in page and "Brouillon du porteur" not in page
    del submitted, draft
