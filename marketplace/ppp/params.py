"""The parameters of a rule set, read from its JSON into typed values once and checked for typos.

Percentages are read as Decimal from their text (never as binary floats), amounts as integer minor
units. A key that is absent or null means the programme has no such rule. Unknown keys are refused,
so a misspelt rule in an admin's edit cannot silently switch a check off.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.ppp.models import COMPONENT_KINDS

GRANT_BASES = ("investor_share", "total")
KNOWN_KEYS = frozenset({
    "currency", "min_total_minor", "max_total_minor", "eligible_sector_codes", "min_own_funds_percent",
    "own_funds_in_foreign_currency", "grant", "max_bank_percent", "max_bank_minor", "guarantee_percent",
    "splits", "honour_loan", "diaspora_percent", "terms", "source",
})


class RuleParamsError(DomainError):
    """The JSON of a rule set is malformed; raised by the loader and by admin edits."""


@dataclass(frozen=True)
class GrantFormula:
    basis: str  # "investor_share": pro rata to the diaspora's share of capital; "total": of the total cost
    percent: Decimal
    cap_minor: int | None


@dataclass(frozen=True)
class SplitParty:
    """A co-funder of a fixed split, recognised by component kind and, optionally, provider organisation type."""

    party: str
    kinds: frozenset[str]
    provider_types: frozenset[str] | None
    percent: Decimal
    cap_minor: int | None

    def matches(self, kind: str, provider_type: str | None) -> bool:
        return kind in self.kinds and (self.provider_types is None or provider_type in self.provider_types)


@dataclass(frozen=True)
class HonourLoan:
    max_minor: int  # the loan including its embedded grant
    grant_max_minor: int


@dataclass(frozen=True)
class RuleParams:
    currency: str
    min_total_minor: int | None = None
    max_total_minor: int | None = None
    eligible_sector_codes: frozenset[str] | None = None
    min_own_funds_percent: Decimal | None = None
    own_funds_in_foreign_currency: bool = False
    grant: GrantFormula | None = None
    max_bank_percent: Decimal | None = None
    max_bank_minor: int | None = None
    guarantee_percent: Decimal | None = None
    splits: tuple[SplitParty, ...] = ()
    honour_loan: HonourLoan | None = None
    diaspora_min_percent: Decimal | None = None
    diaspora_max_percent: Decimal | None = None


def _fail(detail: str) -> RuleParamsError:
    return RuleParamsError(_("Check the rule “%(detail)s”: it is missing, unknown, or its value is not allowed "
                             "(percentages from 0 to 100, amounts in whole minor units).", detail=detail),
                           field="params")


def _percent(value: Any, key: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _fail(key)
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise _fail(key) from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise _fail(key)
    return percent


def _minor(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(key)
    return value


def _grant(raw: dict | None) -> GrantFormula | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("basis") not in GRANT_BASES or set(raw) - {"basis", "percent", "cap_minor"}:
        raise _fail("grant")
    return GrantFormula(raw["basis"], _percent(raw.get("percent"), "grant.percent") or Decimal(0),
                        _minor(raw.get("cap_minor"), "grant.cap_minor"))


def _split(raw: dict) -> SplitParty:
    allowed = {"party", "kinds", "provider_types", "percent", "cap_minor"}
    kinds = raw.get("kinds") if isinstance(raw, dict) else None
    if not kinds or set(raw) - allowed or not set(kinds) <= set(COMPONENT_KINDS) or not raw.get("party"):
        raise _fail("splits")
    types = raw.get("provider_types")
    return SplitParty(raw["party"], frozenset(kinds), frozenset(types) if types else None,
                      _percent(raw.get("percent"), "splits.percent") or Decimal(0),
                      _minor(raw.get("cap_minor"), "splits.cap_minor"))


def _honour_loan(raw: dict | None) -> HonourLoan | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"max_minor", "grant_max_minor"}:
        raise _fail("honour_loan")
    return HonourLoan(_minor(raw["max_minor"], "honour_loan.max_minor"),
                      _minor(raw["grant_max_minor"], "honour_loan.grant_max_minor"))


def parse_params(raw: dict[str, Any]) -> RuleParams:
    """Typed rule parameters, or RuleParamsError naming the first key at fault."""
    if not isinstance(raw, dict) or not isinstance(raw.get("currency"), str):
        raise _fail("currency")
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise _fail(", ".join(sorted(unknown)))
    sectors = raw.get("eligible_sector_codes")
    splits = raw.get("splits") or []
    diaspora = raw.get("diaspora_percent") or {}
    if not isinstance(splits, list) or not isinstance(diaspora, dict) or set(diaspora) - {"min", "max"}:
        raise _fail("splits" if not isinstance(splits, list) else "diaspora_percent")
    return RuleParams(
        currency=raw["currency"],
        min_total_minor=_minor(raw.get("min_total_minor"), "min_total_minor"),
        max_total_minor=_minor(raw.get("max_total_minor"), "max_total_minor"),
        eligible_sector_codes=frozenset(sectors) if sectors is not None else None,
        min_own_funds_percent=_percent(raw.get("min_own_funds_percent"), "min_own_funds_percent"),
        own_funds_in_foreign_currency=bool(raw.get("own_funds_in_foreign_currency", False)),
        grant=_grant(raw.get("grant")),
        max_bank_percent=_percent(raw.get("max_bank_percent"), "max_bank_percent"),
        max_bank_minor=_minor(raw.get("max_bank_minor"), "max_bank_minor"),
        guarantee_percent=_percent(raw.get("guarantee_percent"), "guarantee_percent"),
        splits=tuple(_split(party) for party in splits),
        honour_loan=_honour_loan(raw.get("honour_loan")),
        diaspora_min_percent=_percent(diaspora.get("min"), "diaspora_percent.min"),
        diaspora_max_percent=_percent(diaspora.get("max"), "diaspora_percent.max"),
    )
