"""The computed grant (rate, pro rata share, cap, rounding), the version in force, and loading rule sets."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from tests.ppp.conftest import rules_of


def _grant(total_minor: int, rule_set, share_bp: int = 10_000) -> int:
    from marketplace.ppp.models import FinancingPlan
    from marketplace.ppp.plans import compute_grant

    return compute_grant(FinancingPlan(total_cost_minor=total_minor, diaspora_capital_share_bp=share_bp), rule_set)


def test_p07_grant_is_capped_at_five_million_dirhams(programmes):
    with programmes.app_context():
        mdm = rules_of("MDM")
        uncapped = 62_000_000_00 * 10 // 100
        assert uncapped > 5_000_000_00
        assert _grant(62_000_000_00, mdm) == 5_000_000_00


def test_mdm_grant_is_pro_rata_to_the_diaspora_share_of_capital(programmes):
    with programmes.app_context():
        assert _grant(8_000_000_00, rules_of("MDM"), share_bp=6_000) == 480_000_00


def test_grant_rounds_down_to_the_minor_unit(programmes):
    with programmes.app_context():
        assert _grant(100_000_123, rules_of("MDM")) == 10_000_012
        assert _grant(100_000_001, rules_of("MDM"), share_bp=3_333) == 3_333_000


def test_programmes_without_a_formula_compute_no_grant(programmes):
    with programmes.app_context():
        assert _grant(95_000_00, rules_of("FOR")) == 0
        assert _grant(95_000_00, None) == 0


def test_a_grant_on_the_total_ignores_the_capital_share(programmes):
    from marketplace.ppp.models import RuleSet

    with programmes.app_context():
        reform = RuleSet(programme=rules_of("MDM").programme, version="v2025", valid_from=date(2025, 1, 1),
                         params={"currency": "MAD", "grant": {"basis": "total", "percent": 10,
                                                              "cap_minor": 500_000_000}})
        assert _grant(8_000_000_00, reform, share_bp=6_000) == 800_000_00


def test_the_version_in_force_depends_on_the_day(programmes):
    from marketplace.ppp.models import RuleSet
    from marketplace.ppp.plans import rule_set_in_force

    with programmes.app_context():
        v2015 = rules_of("MDM")
        v2015.valid_to = date(2025, 6, 1)
        db.session.add(RuleSet(programme_id=v2015.programme_id, version="v2025", valid_from=date(2025, 6, 1),
                               params={**v2015.params, "min_own_funds_percent": 20}))
        db.session.flush()
        programme = v2015.programme
        assert rule_set_in_force(programme, date(2025, 5, 31)).version == "v2015"
        assert rule_set_in_force(programme, date(2025, 6, 1)).version == "v2025"
        assert rule_set_in_force(programme, date(2014, 12, 31)) is None


def test_loading_rule_sets_is_idempotent_and_waits_for_programmes(app):
    from marketplace.demo.projects import seed_programmes
    from marketplace.ppp.models import RuleSet
    from marketplace.ppp.rule_sets import load_rule_sets
    from marketplace.reference.services import load_reference_data

    with app.app_context():
        assert load_reference_data()["rule_sets"] == 0  # no programme yet: nothing to attach rules to
        seed_programmes()
        assert load_rule_sets() == 5
        assert load_rule_sets() == 0
        assert db.session.scalar(select(func.count()).select_from(RuleSet)) == 5


def test_a_misspelt_rule_is_refused_when_loading(app, tmp_path):
    from marketplace.demo.projects import seed_programmes
    from marketplace.ppp.params import RuleParamsError
    from marketplace.ppp.rule_sets import load_rule_sets

    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"programme": "MDM", "version": "vX", "valid_from": "2020-01-01",
                                 "params": {"currency": "MAD", "min_own_fund_percent": 25}}]))
    with app.app_context():
        seed_programmes()
        with pytest.raises(RuleParamsError, match="min_own_fund_percent"):
            load_rule_sets(path)


@pytest.mark.parametrize("name, version, label", [
    ("MDM Invest-style co-financing (rules v2015)", "v2015", "MDM Invest-style co-financing (rules v2015)"),
    ("Cofinancement type MDM Invest (règles 2015)", "v2015", "Cofinancement type MDM Invest (règles 2015)"),
    ("Guaranteed start-up loan (Intelaka-style)", "v2020", "Guaranteed start-up loan (Intelaka-style) v2020"),
    ("Collective diaspora matching 1:1:1:1", "v1", "Collective diaspora matching 1:1:1:1 v1"),
    ("Fonds 2015", "v20", "Fonds 2015 v20"),
])
def test_rules_are_named_with_their_version_once(name, version, label):
    """The version is added to the programme's name unless the name already carries it, in any language."""
    from types import SimpleNamespace

    from marketplace.ppp.models import RuleSet

    assert RuleSet.label.fget(SimpleNamespace(programme=SimpleNamespace(name=name), version=version)) == label
