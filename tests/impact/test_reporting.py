"""Reported values: the whole workflow, who may take each step, what is refused, and what counts in totals."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db


def test_a_value_goes_draft_submitted_returned_resubmitted_approved_verified_and_is_audited(impact):
    value = impact.report("PI3687", 0, "6", parts={"sex": {"female": "2", "male": "4"}}, comment="Payroll")
    assert impact.status(value) == "draft"
    assert impact.step(value, "submit", by=impact.reporter) == "submitted"
    assert impact.step(value, "return", by=impact.monitor, note="Attach the payroll.") == "returned"
    with impact.app.app_context():
        from marketplace.impact.models import ReportedValue

        assert db.session.get(ReportedValue, value).return_note == "Attach the payroll."
    assert impact.step(value, "submit", by=impact.reporter) == "submitted"
    assert impact.step(value, "approve", by=impact.monitor) == "approved"
    assert impact.step(value, "verify", by=impact.reviewer) == "verified"
    with impact.app.app_context():
        from marketplace.audit.models import AuditEvent

        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("impact.value_%"))
                                          .order_by(AuditEvent.seq)))
    assert actions == ["impact.value_reported", "impact.value_submit", "impact.value_return", "impact.value_submit",
                       "impact.value_approve", "impact.value_verify"]


def test_the_reporter_cannot_approve_their_own_value_even_as_a_manager_of_the_owner(impact):
    value = impact.report(by=impact.cast.owner)  # the owner's manager reports
    impact.step(value, "submit", by=impact.cast.owner)
    with pytest.raises(ForbiddenError, match="someone else"):
        impact.step(value, "approve", by=impact.cast.owner)
    assert impact.status(value) == "submitted"
    assert impact.step(value, "approve", by=impact.monitor) == "approved"


def test_a_manager_of_the_owner_organisation_approves_a_colleagues_value(impact):
    value = impact.report()
    impact.step(value, "submit", by=impact.reporter)
    assert impact.step(value, "approve", by=impact.cast.owner) == "approved"


@pytest.mark.parametrize("who", ["reporter", "banker", "stranger"])
def test_only_the_monitor_or_an_owner_manager_approves(impact, who):
    value = impact.report()
    impact.step(value, "submit", by=impact.reporter)
    actor = {"reporter": impact.reporter, "banker": impact.cast.banker, "stranger": impact.stranger}[who]
    with pytest.raises(ForbiddenError):
        impact.step(value, "approve", by=actor)
    assert impact.status(value) == "submitted"


@pytest.mark.parametrize("who", ["monitor", "owner", "admin"])
def test_only_an_authority_reviewer_of_the_projects_country_verifies(impact, make, who):
    value = impact.report()
    impact.step(value, "submit", by=impact.reporter)
    impact.step(value, "approve", by=impact.monitor)
    actor = {"monitor": impact.monitor, "owner": impact.cast.owner, "admin": make.admin()}[who]
    with pytest.raises(ForbiddenError, match="authority reviewer"):
        impact.step(value, "verify", by=actor)
    assert impact.status(value) == "approved"


def test_an_authority_of_another_country_cannot_verify(impact, make):
    from tests.factories import country_id

    foreign = make.user(organisation=make.organisation(type="ministry", country_id=country_id(impact.app, "SN")))
    value = impact.report()
    impact.walk(value, "approved")
    with pytest.raises(ForbiddenError):
        impact.step(value, "verify", by=foreign)


def test_steps_out_of_order_are_conflicts_and_change_nothing(impact):
    value = impact.report()
    with pytest.raises(ConflictError):
        impact.step(value, "approve", by=impact.monitor)
    impact.walk(value, "verified")
    with pytest.raises(ConflictError):
        impact.step(value, "submit", by=impact.reporter)
    assert impact.status(value) == "verified"


def test_returning_needs_a_note(impact):
    value = impact.report()
    impact.step(value, "submit", by=impact.reporter)
    with pytest.raises(DomainError) as refused:
        impact.step(value, "return", by=impact.monitor, note="  ")
    assert refused.value.field == "note"
    assert impact.status(value) == "submitted"


def test_the_reviewer_can_return_an_approved_value(impact):
    value = impact.report()
    impact.walk(value, "approved")
    assert impact.step(value, "return", by=impact.reviewer, note="Figures differ from the CNSS file.") == "returned"


def test_parts_that_do_not_add_up_are_refused_and_nothing_is_written(impact):
    with pytest.raises(DomainError, match="add up to 5, not to the total of 6") as refused:
        impact.report("PI3687", 0, "6", parts={"sex": {"female": "2", "male": "3"}})
    assert refused.value.field == "parts"
    with impact.app.app_context():
        from marketplace.impact.models import ReportedValue

        assert db.session.scalar(select(db.func.count(ReportedValue.id))) == 0


def test_a_dimension_the_indicator_does_not_allow_is_refused(impact):
    with pytest.raises(DomainError, match="not split by urban or rural"):
        impact.report("PI3687", 0, "6", parts={"urban_rural": {"urban": "6"}})
    with pytest.raises(DomainError):
        impact.report("FP6510", 0, "6", parts={"sex": {"female": "6"}})  # revenue is not split


def test_age_bands_and_regions_add_up_too(impact):
    value = impact.report("PI3687", 0, "10", parts={"age_band": {"15-24": "3", "25-34": "4", "35+": "3"},
                                                    "region": {"MA-02": "7", "MA-01": "3"}})
    assert impact.status(value) == "draft"
    with pytest.raises(DomainError, match="not a category"):
        impact.report("PI3687", 1, "10", parts={"region": {"FR-75": "10"}})


@pytest.mark.parametrize("typed", ["six", "6 jobs", "1e3", "NaN", "-4", "", "12.34567"])
def test_text_where_a_number_is_required_is_refused(impact, typed):
    with pytest.raises(DomainError) as refused:
        impact.report("PI3687", 0, typed)
    assert refused.value.field == "value"


def test_numbers_are_stored_exactly(impact):
    value = impact.report("FP6510", 0, "1 234 567,89")
    with impact.app.app_context():
        from marketplace.impact.models import ReportedValue

        assert db.session.get(ReportedValue, value).value == Decimal("1234567.89")


def test_a_period_outside_the_framework_is_refused(impact, make):
    from tests.impact.conftest import build_impact

    other = build_impact(impact.app, make)
    for period in (other.periods[0], 999_999, "x", None):
        with pytest.raises(DomainError) as refused:
            impact.report("PI3687", period, "5", raw_period=True)
        assert refused.value.field == "period_id"


def test_an_indicator_outside_the_framework_is_refused(impact, make):
    from tests.impact.conftest import build_impact

    other = build_impact(impact.app, make)
    with pytest.raises(DomainError) as refused:
        impact.call(lambda: __import__("marketplace.impact.reporting", fromlist=["x"]).report_value(
            impact.user(impact.reporter), impact.project(), project_indicator_id=other.indicators["PI3687"],
            period_id=impact.periods[0], value="5"))
    assert refused.value.field == "project_indicator_id"


def test_one_value_per_indicator_and_period(impact):
    impact.report("PI3687", 0, "5")
    with pytest.raises(ConflictError):
        impact.report("PI3687", 0, "6", by=impact.cast.banker)


def test_strangers_cannot_report_but_the_bank_and_partners_can(impact):
    with pytest.raises(ForbiddenError):
        impact.report(by=impact.stranger)
    assert impact.report("PI3687", 0, by=impact.cast.banker)
    assert impact.report("OI8869", 0, "12", by=impact.monitor)


def test_a_proposed_partner_does_not_report(impact, make):
    from marketplace.ppp.partners import assign_role

    newcomer_org = make.organisation(type="ngo")
    newcomer = make.user(organisation=newcomer_org)
    impact.call(lambda: assign_role(impact.user(impact.cast.owner), impact.project(), newcomer_org.id,
                                    iati_role=4, iati_org_type="22", functions=["implementer"]))
    with pytest.raises(ForbiddenError):
        impact.report(by=newcomer)


def _pdf() -> bytes:
    from marketplace.demo.files import text_pdf

    return text_pdf("Registre du personnel", ["12 salariés"])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_evidence_is_a_pdf_or_a_photo(impact):
    value = impact.report(evidence=[("payroll.pdf", _pdf()), ("site.png", _png())])
    with impact.app.app_context():
        from marketplace.impact.models import Evidence

        kinds = [e.kind for e in db.session.scalars(select(Evidence).where(Evidence.reported_value_id == value))]
    assert kinds == ["pdf", "photo"]


@pytest.mark.parametrize("data", [b"MZ\x90\x00 an executable", b"just some text", b"%PDF-1.4 broken"])
def test_evidence_of_the_wrong_type_is_refused_with_the_whole_value(impact, data):
    with pytest.raises(DomainError) as refused:
        impact.report(evidence=[("payroll.pdf", data)])
    assert refused.value.field == "evidence"
    with impact.app.app_context():
        from marketplace.impact.models import ReportedValue

        assert db.session.scalar(select(db.func.count(ReportedValue.id))) == 0


def test_only_the_reporter_corrects_a_returned_value(impact):
    from marketplace.impact.models import ReportedValue
    from marketplace.impact.reporting import update_value

    value = impact.report("PI3687", 0, "6", parts={"sex": {"female": "2", "male": "4"}})
    impact.step(value, "submit", by=impact.reporter)
    impact.step(value, "return", by=impact.monitor, note="Too high")
    with pytest.raises(ForbiddenError):
        impact.call(lambda: update_value(impact.user(impact.monitor), db.session.get(ReportedValue, value),
                                         value="5"))
    impact.call(lambda: update_value(impact.user(impact.reporter), db.session.get(ReportedValue, value), value="5",
                                     parts={"sex": {"female": "2", "male": "3"}}))
    with impact.app.app_context():
        row = db.session.get(ReportedValue, value)
        assert (row.value, [(p.category, p.value) for p in row.parts]) == (
            Decimal(5), [("female", Decimal(2)), ("male", Decimal(3))])


def test_values_are_reported_only_on_a_confirmed_framework_of_a_funded_project(app, make):
    from tests.impact.conftest import build_impact

    published = build_impact(app, make, status="published")
    with pytest.raises(ConflictError, match="funded"):
        published.report()


# --- what counts ------------------------------------------------------------------------------------------------

def _totals(impact, period=None):
    from marketplace.impact.reporting import indicator_totals

    with impact.app.app_context():
        return indicator_totals([impact.project_id], period)


def test_pending_values_count_nowhere_only_verified_ones_do(impact):
    draft = impact.report("PI3687", 0, "3")
    submitted = impact.report("PI3687", 1, "4")
    impact.step(submitted, "submit", by=impact.reporter)
    approved = impact.report("FP6510", 0, "1000")
    impact.walk(approved, "approved")
    returned = impact.report("OI8869", 0, "12")
    impact.step(returned, "submit", by=impact.reporter)
    impact.step(returned, "return", by=impact.monitor, note="No")
    assert _totals(impact) == {}
    from marketplace.impact.reporting import indicator_verified_for_period, verified_actuals

    with impact.app.app_context():
        assert verified_actuals([impact.project_id]) == []
        assert not indicator_verified_for_period(impact.project_id, "FP6510", date(2025, 6, 1))
    impact.walk(draft, "verified")
    assert _totals(impact) == {(impact.project_id, "PI3687"): Decimal(3)}


def test_totals_follow_each_indicators_aggregation(impact):
    for code, period, value in (("PI3687", 0, "3"), ("PI3687", 1, "4"), ("OI8869", 0, "12"), ("OI8869", 1, "15")):
        impact.walk(impact.report(code, period, value), "verified")
    totals = _totals(impact)
    assert totals[(impact.project_id, "PI3687")] == Decimal(7)  # jobs created add up
    assert totals[(impact.project_id, "OI8869")] == Decimal(15)  # headcount: the latest level
    assert _totals(impact, (date(2025, 1, 1), date(2025, 12, 31)))[(impact.project_id, "PI3687")] == Decimal(3)


def test_tranche_check_asks_for_a_verified_value_in_the_period_of_the_date(impact):
    from marketplace.impact.reporting import indicator_verified_for_period

    value = impact.report("PI3687", 1, "4")
    impact.walk(value, "approved")

    def verified(on):
        with impact.app.app_context():
            return indicator_verified_for_period(impact.project_id, "PI3687", on)

    assert not verified(date(2026, 3, 1))
    impact.step(value, "verify", by=impact.reviewer)
    assert verified(date(2026, 3, 1))
    assert not verified(date(2025, 3, 1))
    assert not verified(date(2027, 3, 1))


def test_verified_actuals_reads_many_projects_in_one_statement(impact, make, count_queries):
    from marketplace.impact.reporting import verified_actuals
    from tests.impact.conftest import build_impact

    other = build_impact(impact.app, make)
    impact.walk(impact.report("PI3687", 0, "3"), "verified")
    other.walk(other.report("PI3687", 0, "5"), "verified")
    with impact.app.app_context(), count_queries() as statements:
        actuals = verified_actuals([impact.project_id, other.project_id])
    assert len(statements) == 1
    assert sorted(a.value for a in actuals) == [Decimal(3), Decimal(5)]


def test_the_database_refuses_a_self_approved_value(impact):
    from sqlalchemy.exc import IntegrityError

    from marketplace.impact.models import ReportedValue

    value = impact.report()
    with impact.app.app_context():
        row = db.session.get(ReportedValue, value)
        row.approved_by_id = row.reported_by_id
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
