"""Impact exports: CSV and IATI 2.03 XML of one project and of a filtered set; only verified values; the official
schema; who may download; unknown filters; the same numbers as the impact page; a fixed query cost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from marketplace.extensions import db
from tests.impact.conftest import Impact, build_impact

INVESTOR_NAME = "Investisseuse Secrète"


def login(browserless, record):
    assert browserless.login(record.email, record.password).status_code == 302


def enrich(impact: Impact) -> dict:
    """Partners with roles, a bank loan with one disbursement, two paid pledges, and values at every stage:
    PI3687 2025 verified (6, of which 4 women and 2 men), OI8869 2025 approved only, FP6510 2025 submitted."""
    from marketplace.accounts.models import User
    from marketplace.models_common import utcnow
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.models import Pledge
    from marketplace.ppp.ledger_models import Disbursement
    from marketplace.ppp.models import FinancingComponent
    from marketplace.ppp.partners import assign_role, change_status

    cast = impact.cast
    investor = cast.make.investor(display_name=INVESTOR_NAME)

    def add():
        project = impact.project()
        project.translations = {"en": {"title": "Radiology centre in Oujda", "summary": "Medical imaging."}}
        owner = db.session.get(User, cast.owner.id)
        role = assign_role(owner, project, db.session.get(Organisation, cast.bank.id), iati_role=1,
                           iati_org_type="70", functions=["lender"])
        change_status(owner, role, "agree")
        loan = FinancingComponent(project_id=project.id, kind="bank_loan", provider_organisation_id=cast.bank.id,
                                  amount_minor=50_000_00, currency="MAD", status="committed")
        db.session.add(loan)
        db.session.flush()
        db.session.add(Disbursement(project_id=project.id, component_id=loan.id, amount_minor=20_000_00,
                                    currency="MAD", disbursed_on=date(2025, 3, 1), reference="VIR-0001"))
        for n, amount in enumerate((1_500_00, 2_500_00)):
            db.session.add(Pledge(reference=f"EXP{project.id}-{n}", request_key=f"exp{project.id}-{n}",
                                  project_id=project.id, investor_id=investor.id, amount_minor=amount,
                                  currency="MAD", method="bank_transfer", status="paid", project_version_number=1,
                                  revocable_until=utcnow(), settled_at=datetime(2025, 2, 10 + n, 9, 0, tzinfo=UTC)))
    impact.call(add)
    impact.walk(impact.report("PI3687", 0, "6", parts={"sex": {"female": "4", "male": "2"}}), "verified")
    impact.walk(impact.report("OI8869", 0, "12345"), "approved")
    impact.walk(impact.report("FP6510", 0, "777777"), "submitted")
    return {"investor": investor}


@pytest.fixture
def rich(impact) -> Impact:
    enrich(impact)
    return impact


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def schema_errors(app, document: bytes) -> list[str]:
    """Validation against the official XSD; a missing schema is an error here, never a skip."""
    from marketplace.impact.iati import validate_activities

    schema_dir = Path(app.config["IATI_SCHEMA_DIR"])
    assert (schema_dir / "schemas" / "iati-activities-schema.xsd").is_file(), (
        f"The official IATI 2.03 schemas are missing from {schema_dir}: run `make iati-schemas`.")
    return validate_activities(document, schema_dir)


# --- CSV ----------------------------------------------------------------------------------------------------------

def test_the_project_csv_holds_verified_values_and_their_parts_only(rich, client):
    rows = rows_of(client.get(f"/projects/{rich.project_id}/impact/results.csv"))
    jobs = [r for r in rows if r["indicator_code"] == "PI3687" and r["period_start"] == "2025-01-01"]
    assert [(r["verified_actual"], r["dimension"], r["category"]) for r in jobs] == [
        ("6", "", ""), ("4", "sex", "female"), ("2", "sex", "male")]
    assert jobs[0]["target"] == "8" and jobs[0]["baseline"] == "0" and jobs[0]["verified_total"] == "6"
    assert jobs[0]["unit"] and jobs[0]["aggregation"] == "sum" and jobs[0]["iati_identifier"].startswith("XI-")
    text = "".join(",".join(r.values()) for r in rows)
    assert "12345" not in text and "777777" not in text  # approved-only and submitted values stay out
    assert {r["verified_actual"] for r in rows if r["indicator_code"] in {"OI8869", "FP6510"}} == {""}
    assert len({(r["indicator_code"], r["period_start"]) for r in rows}) == 6  # 3 indicators × 2 periods


def test_csv_cells_that_look_like_formulas_are_neutralised(rich, client):
    from marketplace.core.spreadsheets import csv_safe

    def rename():
        project = rich.project()
        project.title = "=HYPERLINK(\"http://evil.example\",\"x\")"
        project.translations = {}
    rich.call(rename)
    rows = rows_of(client.get(f"/projects/{rich.project_id}/impact/results.csv", headers={"Accept-Language": "fr"}))
    assert rows[0]["project_title"].startswith("'=HYPERLINK")
    assert [csv_safe(v) for v in ("-12.5", "+cmd", "@SUM(A1)", "\tx", "-inf", "plain")] == [
        "-12.5", "'+cmd", "'@SUM(A1)", "'\tx", "'-inf", "plain"]


# --- IATI XML -----------------------------------------------------------------------------------------------------

def test_the_project_iati_xml_validates_against_the_official_schema(rich, client, app):
    response = client.get(f"/projects/{rich.project_id}/impact/iati.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    document = response.get_data()
    assert schema_errors(app, document) == []
    root = etree.fromstring(document)
    assert root.get("version") == "2.03" and root.get("generated-datetime")
    activity = root.find("iati-activity")
    assert activity.findtext("iati-identifier") == f"XI-PASSERELLE-{rich.project_id}"
    assert activity.find("reporting-org").get("ref") == "XI-PASSERELLE"
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert {n.get(lang) for n in activity.findall("title/narrative")} == {"fr", "en"}
    roles = {(o.get("role"), o.get("type")) for o in activity.findall("participating-org")}
    assert {("1", "70"), ("4", "40"), ("4", "22")} <= roles  # bank, monitoring agency, the listing NGO
    assert activity.find("activity-status").get("code") == "2"
    assert activity.find("recipient-country").get("code") == "MA"
    assert activity.find("location").get("ref") == "MA-02"
    assert activity.find("sector").get("vocabulary") == "99" and activity.find("sector").get("code") == "HEA"
    assert activity.findtext("budget/value") == "100000.00"
    transactions = [(t.find("transaction-type").get("code"), t.findtext("value"), t.find("provider-org") is not None)
                    for t in activity.findall("transaction")]
    assert ("1", "4000.00", True) in transactions  # the two paid pledges of February, summed
    assert ("1", "20000.00", True) in transactions  # the bank's disbursement


def test_iati_results_carry_only_verified_actuals_with_their_dimensions(rich, client):
    activity = etree.fromstring(client.get(f"/projects/{rich.project_id}/impact/iati.xml").get_data()
                                ).find("iati-activity")
    jobs = next(i for i in activity.iterfind("result/indicator") if i.find("reference").get("code") == "PI3687")
    assert jobs.get("measure") == "1" and jobs.get("ascending") == "1"
    assert jobs.find("reference").get("vocabulary") == "99" and "iris" in jobs.find("reference").get("indicator-uri")
    assert jobs.find("baseline").get("year") == "2024" and jobs.find("baseline").get("value") == "0"
    first = jobs.findall("period")[0]
    assert first.find("target").get("value") == "8"
    assert [(a.get("value"), [(d.get("name"), d.get("value")) for d in a.findall("dimension")])
            for a in first.findall("actual")] == [("6", []), ("4", [("sex", "female")]), ("2", [("sex", "male")])]
    document = etree.tostring(activity, encoding="unicode")
    assert 'value="12345"' not in document and 'value="777777"' not in document
    assert all(p.find("actual") is None for i in activity.iterfind("result/indicator")
               if i.find("reference").get("code") != "PI3687" for p in i.findall("period"))


def test_iati_xml_never_names_investors(rich, client, app):
    document = client.get(f"/projects/{rich.project_id}/impact/iati.xml").get_data(as_text=True)
    with app.app_context():
        from marketplace.accounts.models import User
        from marketplace.pledges.models import Pledge

        investor = db.session.get(User, db.session.scalar(db.select(Pledge.investor_id)))
        assert investor.display_name == INVESTOR_NAME
        assert investor.email not in document and INVESTOR_NAME not in document
    assert "EXP" not in document  # nor pledge references


def test_the_codes_used_come_from_the_iati_203_codelists(rich, client, app):
    """The XSD leaves codes as strings: check the ones we write against the official codelists beside it."""
    codelists = Path(app.config["IATI_SCHEMA_DIR"]) / "codelists"

    def codes(name):
        return set(etree.parse(str(codelists / f"{name}.xml")).xpath("//codelist-item/code/text()"))

    activity = etree.fromstring(client.get(f"/projects/{rich.project_id}/impact/iati.xml").get_data()
                                ).find("iati-activity")
    checks = [("participating-org", "role", "OrganisationRole"), ("participating-org", "type", "OrganisationType"),
              ("reporting-org", "type", "OrganisationType"), ("activity-status", "code", "ActivityStatus"),
              ("activity-date", "type", "ActivityDateType"), ("sector", "vocabulary", "SectorVocabulary"),
              ("transaction/transaction-type", "code", "TransactionType"), ("result", "type", "ResultType"),
              ("result/indicator", "measure", "IndicatorMeasure"), ("budget", "type", "BudgetType"),
              ("budget", "status", "BudgetStatus"), ("result/indicator/reference", "vocabulary", "IndicatorVocabulary"),
              ("location/location-reach", "code", "GeographicLocationReach"),
              ("location/exactness", "code", "GeographicExactness")]
    for path, attribute, codelist in checks:
        used = {node.get(attribute) for node in activity.iterfind(path)}
        assert used and used <= codes(codelist), (path, attribute, used)
    assert activity.find("recipient-country").get("code") in codes("Country")
    assert {t.get("currency") for t in activity.iter("value")} <= codes("Currency")


def test_a_missing_schema_fails_loudly(tmp_path):
    from marketplace.impact.iati import SchemaMissingError, validate_activities

    with pytest.raises(SchemaMissingError, match="make iati-schemas"):
        validate_activities(b"<iati-activities version='2.03'/>", tmp_path)


# --- the same numbers everywhere ----------------------------------------------------------------------------------

def test_a_projects_numbers_agree_across_page_csv_and_xml(rich, client, app):
    impact = rich
    impact.walk(impact.report("OI8869", 1, "16"), "verified")
    from marketplace.impact.queries import impact_page

    with app.test_request_context(headers={"Accept-Language": "en"}):
        page = impact_page(impact.project(), viewer=None, include_pending=False)
        shown = {(row.indicator.code, cell.period.starts_on.isoformat()): cell.actual
                 for row in page.rows for cell in row.cells}
        totals = {row.indicator.code: row.total for row in page.rows}
    rows = rows_of(client.get(f"/projects/{impact.project_id}/impact/results.csv"))
    in_csv = {(r["indicator_code"], r["period_start"]): Decimal(r["verified_actual"]) if r["verified_actual"] else None
              for r in rows if not r["dimension"]}
    assert in_csv == shown
    assert {r["indicator_code"]: Decimal(r["verified_total"]) if r["verified_total"] else None
            for r in rows if not r["dimension"]} == totals
    activity = etree.fromstring(client.get(f"/projects/{impact.project_id}/impact/iati.xml").get_data()
                                ).find("iati-activity")
    in_xml = {}
    for indicator in activity.iterfind("result/indicator"):
        for period in indicator.findall("period"):
            totals_only = [a for a in period.findall("actual") if a.find("dimension") is None]
            in_xml[(indicator.find("reference").get("code"), period.find("period-start").get("iso-date"))] = (
                Decimal(totals_only[0].get("value")) if totals_only else None)
    assert in_xml == shown
    assert shown[("PI3687", "2025-01-01")] == 6 and shown[("OI8869", "2026-01-01")] == 16


# --- who may download ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["results.csv", "iati.xml"])
def test_a_private_projects_export_is_refused_to_strangers_and_given_to_parties(app, make, client, browserless,
                                                                              suffix):
    impact = build_impact(app, make, status="suspended")
    url = f"/projects/{impact.project_id}/impact/{suffix}"
    assert client.get(url).status_code == 404
    login(browserless, impact.stranger)
    assert client.get(url).status_code == 404
    browserless.logout()
    for party in (impact.reporter, impact.monitor, impact.reviewer):
        login(browserless, party)
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
        browserless.logout()


def test_a_public_projects_export_is_open_to_everyone(rich, client):
    for suffix in ("results.csv", "iati.xml"):
        assert client.get(f"/projects/{rich.project_id}/impact/{suffix}").status_code == 200
    assert client.get("/projects/2147483647/impact/results.csv").status_code == 404


def test_the_impact_page_links_to_the_exports(rich, client):
    page = client.get(f"/projects/{rich.project_id}/impact").get_data(as_text=True)
    assert f"/projects/{rich.project_id}/impact/results.csv" in page
    assert f"/projects/{rich.project_id}/impact/iati.xml" in page and "/impact/export" in page


# --- filtered sets ------------------------------------------------------------------------------------------------

def test_the_set_export_validates_and_leaves_private_projects_out(app, make, client):
    public = build_impact(app, make)
    enrich(public)
    second = build_impact(app, make, status="completed")
    second.walk(second.report("PI3687", 1, "3"), "verified")
    private = build_impact(app, make)
    private.walk(private.report("PI3687", 0, "9"), "verified")
    private.call(lambda: setattr(private.project(), "status", "suspended"))
    response = client.get("/impact/export/iati.xml", query_string={"country": "MA"})
    assert response.status_code == 200
    assert schema_errors(app, response.get_data()) == []
    identifiers = etree.fromstring(response.get_data()).xpath("//iati-identifier/text()")
    assert identifiers == [f"XI-PASSERELLE-{public.project_id}", f"XI-PASSERELLE-{second.project_id}"]
    rows = rows_of(client.get("/impact/export/results.csv", query_string={"status": "completed"}))
    assert {r["project_id"] for r in rows} == {str(second.project_id)}
    page = client.get("/impact/export", query_string={"region": "MA-02"}).get_data(as_text=True)
    assert "2 public projects match." in page and "/impact/export/results.csv?region=MA-02" in page


@pytest.mark.parametrize("url", ["/impact/export", "/impact/export/results.csv", "/impact/export/iati.xml"])
@pytest.mark.parametrize("args", [{"region": "MA-99"}, {"sector": "<script>"}, {"status": "draft"},
                                  {"instrument": "crypto"}, {"programme": "x" * 500}])
def test_unknown_filter_values_get_a_clear_message_not_a_file(impact, client, url, args):
    response = client.get(url, query_string=args)
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "no project matches it" in page and "0 public projects match." in page
    assert "<script>" not in page.split("<main", 1)[-1]


@pytest.mark.parametrize("app_overrides", [{"IMPACT_EXPORT_MAX_PROJECTS": 1}])
def test_too_large_a_set_asks_to_narrow_the_filters(app, make, client, app_overrides):
    build_impact(app, make)
    build_impact(app, make)
    response = client.get("/impact/export/iati.xml")
    assert response.status_code == 400
    assert "More than 1 projects match: narrow the filters" in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["results.csv", "iati.xml"])
def test_the_set_export_costs_a_fixed_number_of_queries(app, make, client, count_queries, suffix):
    def cost() -> int:
        client.get(f"/impact/export/{suffix}")  # warm the reference-data cache
        with count_queries() as statements:
            assert client.get(f"/impact/export/{suffix}").status_code == 200
        return len(statements)

    first = build_impact(app, make)
    enrich(first)
    small = cost()
    for _ in range(3):
        enrich(build_impact(app, make))
    assert cost() == small <= 14
