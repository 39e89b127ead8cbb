"""Each rule of each demo programme, on a plan that keeps it and a plan that breaks it (validate_plan)."""

from __future__ import annotations

import pytest

from tests.ppp.conftest import Part, codes, problems_of

MDM_P01 = [Part("own_funds_fx", 2_450_000), Part("grant", 980_000, computed=True), Part("bank_loan", 6_370_000)]
INT_P17 = [Part("own_funds_local", 95_000), Part("bank_loan", 855_000), Part("guarantee", 684_000)]
THREE_P33 = [Part("community", 400_000), Part("grant", 400_000, "ministry"),
             Part("grant", 400_000, "regional_council"), Part("grant", 400_000, "commune")]
EQ_P37 = [Part("crowd_pledges", 1_000_000), Part("own_funds_local", 1_000_000), Part("bank_loan", 500_000)]

CASES = {
    # MDM Invest-style v2015
    "mdm_passes": ("MDM", "HEA", 9_800_000, MDM_P01, 10_000, []),
    "mdm_sum_mismatch": ("MDM", "HEA", 9_800_000, [*MDM_P01[:2], Part("bank_loan", 6_000_000)], 10_000,
                         ["sum_mismatch"]),
    "mdm_total_below_minimum": ("MDM", "HEA", 900_000, [Part("own_funds_fx", 225_000),
                                Part("grant", 90_000, computed=True), Part("bank_loan", 585_000)], 10_000,
                                ["total_below_minimum"]),
    "mdm_sector_not_eligible": ("MDM", "AGR", 9_800_000, MDM_P01, 10_000, ["sector_not_eligible"]),
    "mdm_own_funds_below_minimum": ("MDM", "IND", 10_000_000, [
        Part("own_funds_fx", 2_000_000), Part("grant", 1_000_000, computed=True), Part("equity", 600_000),
        Part("bank_loan", 6_400_000)], 10_000, ["own_funds_below_minimum"]),
    "mdm_crowd_pledges_count_as_own_funds": ("MDM", "IND", 10_000_000, [
        Part("own_funds_fx", 2_500_000), Part("crowd_pledges", 500_000), Part("grant", 1_000_000, computed=True),
        Part("bank_loan", 6_000_000)], 10_000, []),
    "mdm_own_funds_not_in_foreign_currency": ("MDM", "IND", 10_000_000, [
        Part("own_funds_local", 2_500_000), Part("grant", 1_000_000, computed=True), Part("bank_loan", 6_500_000)],
        10_000, ["own_funds_not_in_foreign_currency"]),
    "mdm_bank_above_maximum": ("MDM", "IND", 10_000_000, [
        Part("own_funds_fx", 2_500_000), Part("grant", 400_000, computed=True), Part("bank_loan", 7_100_000)],
        4_000, ["bank_above_maximum"]),
    "mdm_typed_grant": ("MDM", "HEA", 9_800_000, [MDM_P01[0], Part("grant", 980_000), MDM_P01[2]], 10_000,
                        ["grant_typed"]),
    "mdm_grant_differs": ("MDM", "HEA", 9_800_000, [Part("own_funds_fx", 2_530_000),
                          Part("grant", 900_000, computed=True), MDM_P01[2]], 10_000, ["grant_mismatch"]),
    "mdm_grant_pro_rata_to_capital": ("MDM", "IND", 6_500_000, [
        Part("own_funds_fx", 1_950_000), Part("grant", 455_000, computed=True), Part("bank_loan", 3_120_000),
        Part("equity", 975_000)], 7_000, []),
    "mdm_p07_capped_grant": ("MDM", "TOU", 62_000_000, [
        Part("own_funds_fx", 16_740_000), Part("grant", 5_000_000, computed=True), Part("bank_loan", 40_260_000)],
        10_000, []),
    "mdm_p07_uncapped_grant_refused": ("MDM", "TOU", 62_000_000, [
        Part("own_funds_fx", 16_740_000), Part("grant", 6_200_000, computed=True), Part("bank_loan", 39_060_000)],
        10_000, ["grant_mismatch"]),
    # Intelaka-style guaranteed loan
    "int_passes": ("INT", "AGR", 950_000, INT_P17, 10_000, []),
    "int_in_kind_is_not_cash": ("INT", "AGR", 950_000, [*INT_P17, Part("in_kind", 50_000)], 10_000, []),
    "int_own_funds_below_minimum": ("INT", "AGR", 950_000, [
        Part("own_funds_local", 47_500), Part("bank_loan", 902_500), Part("guarantee", 722_000)], 10_000,
        ["own_funds_below_minimum"]),
    "int_bank_loan_above_maximum": ("INT", "LOG", 1_500_000, [
        Part("own_funds_local", 200_000), Part("bank_loan", 1_300_000), Part("guarantee", 1_040_000)], 10_000,
        ["bank_loan_above_maximum"]),
    "int_guarantee_not_80_percent": ("INT", "AGR", 950_000, [*INT_P17[:2], Part("guarantee", 700_000)], 10_000,
                                     ["guarantee_mismatch"]),
    "int_guarantee_missing": ("INT", "AGR", 950_000, INT_P17[:2], 10_000, ["guarantee_mismatch"]),
    "int_guarantee_counted_as_cash_breaks_the_sum": ("INT", "AGR", 950_000, [
        Part("own_funds_local", 95_000), Part("bank_loan", 171_000), Part("guarantee", 136_800)], 10_000,
        ["sum_mismatch"]),
    # Forsa-style honour loan
    "for_passes": ("FOR", "AGR", 95_000, [Part("honour_loan", 85_000), Part("grant", 10_000)], 10_000, []),
    "for_passes_with_own_funds": ("FOR", "TOU", 120_000, [
        Part("honour_loan", 90_000), Part("grant", 10_000), Part("own_funds_local", 20_000)], 10_000, []),
    "for_honour_loan_above_maximum": ("FOR", "TOU", 130_000, [
        Part("honour_loan", 100_000), Part("grant", 10_000), Part("own_funds_local", 20_000)], 10_000,
        ["honour_loan_above_maximum"]),
    "for_grant_above_maximum": ("FOR", "ICT", 95_000, [Part("honour_loan", 80_000), Part("grant", 15_000)], 10_000,
                                ["grant_above_maximum"]),
    # 3x1-style collective matching
    "3x1_passes": ("3X1", "ENR", 1_600_000, THREE_P33, 10_000, []),
    "3x1_crowd_pledges_are_the_association_share": ("3X1", "ENR", 1_600_000,
                                                    [Part("crowd_pledges", 400_000), *THREE_P33[1:]], 10_000, []),
    "3x1_split_not_a_quarter": ("3X1", "ENR", 1_600_000, [
        Part("community", 500_000), Part("grant", 300_000, "ministry"), *THREE_P33[2:]], 10_000,
        ["split_mismatch", "split_mismatch"]),
    "3x1_party_not_recognised": ("3X1", "ENR", 1_600_000, [*THREE_P33[:3], Part("bank_loan", 400_000, "bank")],
                                 10_000, ["split_unassigned", "split_mismatch"]),
    "3x1_ministry_above_cap": ("3X1", "HEA", 4_400_000, [
        Part("community", 1_100_000), Part("grant", 1_100_000, "ministry"),
        Part("grant", 1_100_000, "regional_council"), Part("grant", 1_100_000, "commune")], 10_000,
        ["split_above_cap"]),
    "3x1_sector_not_eligible": ("3X1", "IND", 1_600_000, THREE_P33, 10_000, ["sector_not_eligible"]),
    # Diaspora equity in green SMEs
    "eq_passes": ("EQ", "ENR", 2_500_000, EQ_P37, 10_000, []),
    "eq_diaspora_below_minimum": ("EQ", "ENR", 2_500_000, [
        Part("crowd_pledges", 750_000), Part("own_funds_local", 1_250_000), Part("bank_loan", 500_000)], 10_000,
        ["diaspora_below_minimum"]),
    "eq_diaspora_above_maximum": ("EQ", "ENR", 2_500_000, [
        Part("crowd_pledges", 1_500_000), Part("own_funds_local", 500_000), Part("bank_loan", 500_000)], 10_000,
        ["diaspora_above_maximum"]),
    "eq_sector_not_eligible": ("EQ", "HEA", 2_500_000, EQ_P37, 10_000, ["sector_not_eligible"]),
    # No programme: the cash must only add up to the total
    "no_programme_passes_any_mix": (None, "AGR", 500_000, [Part("bank_loan", 500_000)], 10_000, []),
    "no_programme_sum_mismatch": (None, "AGR", 500_000, [Part("bank_loan", 400_000), Part("guarantee", 100_000)],
                                  10_000, ["sum_mismatch"]),
    "no_programme_cancelled_components_ignored": (None, "AGR", 500_000, [
        Part("bank_loan", 500_000), Part("equity", 90_000, status="cancelled")], 10_000, []),
    "no_programme_currency_mismatch": (None, "AGR", 500_000, [Part("bank_loan", 500_000, currency="EUR")], 10_000,
                                       ["currency_mismatch"]),
}


@pytest.mark.parametrize(("scheme", "sector", "total", "parts", "share_bp", "expected"), CASES.values(), ids=CASES)
def test_plan_rules_give_the_expected_problems(programmes, scheme, sector, total, parts, share_bp, expected):
    problems = problems_of(programmes, scheme, parts, total=total, sector=sector, share_bp=share_bp)
    assert codes(problems) == expected, [p.message for p in problems]


def test_own_funds_message_names_shares_and_rules(programmes):
    problems = problems_of(programmes, "MDM", CASES["mdm_own_funds_below_minimum"][3], total=10_000_000,
                           sector="IND")
    assert problems[0].message == ("Own funds 20 % < 25 % required by MDM Invest-style co-financing "
                                   "(rules v2015).")


def test_shares_show_one_decimal_rounded_away_from_the_threshold(programmes):
    parts = [Part("own_funds_fx", 2_496_000), Part("grant", 1_000_000, computed=True), Part("bank_loan", 6_504_000)]
    messages = [p.message for p in problems_of(programmes, "MDM", parts, total=10_000_000, sector="IND")]
    assert messages[0].startswith("Own funds 24.9 % < 25 %")
    assert messages[1].startswith("Bank loan 65.1 % > 65 %")


def test_sum_message_explains_non_cash_components(programmes):
    problems = problems_of(programmes, None, CASES["no_programme_sum_mismatch"][3], total=500_000)
    assert "MAD400,000" in problems[0].message and "MAD500,000" in problems[0].message
    assert "guarantee cover and in-kind contributions do not count" in problems[0].message
