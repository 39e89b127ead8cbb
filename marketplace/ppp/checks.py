"""The rules a financing plan is checked against, one small function each, with explicit messages.

Shares are percentages of the total cost computed exactly (integers and Decimal) and shown with at most
one decimal, rounded away from the threshold so a message never reads "25 % < 25 %". Cancelled
components are ignored; guarantee cover and in-kind are not cash (see `marketplace.ppp.models`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.money import format_money
from marketplace.ppp.models import CASH_KINDS, COMPONENT_KINDS
from marketplace.ppp.params import RuleParams

# Money the promoter and the diaspora put in themselves; crowd pledges are diaspora money too.
OWN_FUNDS_KINDS = frozenset({"own_funds_fx", "own_funds_local", "crowd_pledges"})
# Only money declared as transferred from abroad counts as foreign currency: pledges may come from residents.
FX_OWN_FUNDS_KINDS = frozenset({"own_funds_fx"})
DIASPORA_KINDS = frozenset({"own_funds_fx", "crowd_pledges"})
PARTY_LABELS = {
    "association": _l("Diaspora association"),
    "ministry": _l("Ministry"),
    "region": _l("Region"),
    "commune": _l("Commune"),
}


@dataclass(frozen=True)
class Problem:
    """One broken rule: a stable code for programs, a translated sentence for people, the form field at fault."""

    code: str
    message: str
    field: str | None = "components"


@dataclass(frozen=True)
class PlanContext:
    """What every check needs: the plan figures, the live components and the rules they answer to."""

    total: int
    currency: str
    components: tuple
    rules: RuleParams | None
    label: str
    sector_code: str | None
    expected_grant: int | None

    def amount(self, kinds: Iterable[str]) -> int:
        kinds = frozenset(kinds)
        return sum(c.amount_minor for c in self.components if c.kind in kinds)

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency, get_locale())

    def share(self, part: int, *, rounding: str) -> str:
        """`part` as a percentage of the total cost, one decimal at most, rounded as told."""
        value = (Decimal(part) * 100 / Decimal(self.total)).quantize(Decimal("0.1"), rounding=rounding)
        return percent_text(value)

    def below(self, part: int, percent: Decimal) -> bool:
        return Decimal(part * 100) < percent * self.total

    def above(self, part: int, percent: Decimal) -> bool:
        return Decimal(part * 100) > percent * self.total


def percent_text(value: Decimal) -> str:
    return format_decimal(value.normalize(), format="#,##0.#")


def kind_label(kind: str) -> str:
    return str(COMPONENT_KINDS.get(kind, kind))


def check_currency(ctx: PlanContext) -> Iterator[Problem]:
    if ctx.rules and ctx.rules.currency != ctx.currency:
        yield Problem("rule_set_currency", _("%(rules)s apply to plans in %(currency)s; this plan is in "
                                             "%(plan_currency)s.", rules=ctx.label, currency=ctx.rules.currency,
                                             plan_currency=ctx.currency), "currency")
    for component in ctx.components:
        if component.currency != ctx.currency:
            yield Problem("currency_mismatch", _("%(kind)s is in %(currency)s; the plan is in %(plan_currency)s.",
                                                 kind=kind_label(component.kind), currency=component.currency,
                                                 plan_currency=ctx.currency))


def check_sum(ctx: PlanContext) -> Iterator[Problem]:
    cash = ctx.amount(CASH_KINDS)
    if cash != ctx.total:
        yield Problem("sum_mismatch", _("The cash components add up to %(sum)s, not the total cost of %(total)s "
                                        "(guarantee cover and in-kind contributions do not count).",
                                        sum=ctx.money(cash), total=ctx.money(ctx.total)))


def check_total_range(ctx: PlanContext) -> Iterator[Problem]:
    minimum, maximum = ctx.rules.min_total_minor, ctx.rules.max_total_minor
    if minimum is not None and ctx.total < minimum:
        yield Problem("total_below_minimum", _("Total cost %(total)s < %(minimum)s required by %(rules)s.",
                                               total=ctx.money(ctx.total), minimum=ctx.money(minimum),
                                               rules=ctx.label), "total_cost")
    if maximum is not None and ctx.total > maximum:
        yield Problem("total_above_maximum", _("Total cost %(total)s > %(maximum)s allowed by %(rules)s.",
                                               total=ctx.money(ctx.total), maximum=ctx.money(maximum),
                                               rules=ctx.label), "total_cost")


def check_sector(ctx: PlanContext) -> Iterator[Problem]:
    eligible = ctx.rules.eligible_sector_codes
    if eligible is not None and ctx.sector_code not in eligible:
        yield Problem("sector_not_eligible", _("Sector %(sector)s is not eligible under %(rules)s (eligible: "
                                               "%(eligible)s).", sector=ctx.sector_code or "—", rules=ctx.label,
                                               eligible=", ".join(sorted(eligible))), "sector")


def check_own_funds(ctx: PlanContext) -> Iterator[Problem]:
    minimum = ctx.rules.min_own_funds_percent
    if minimum is None:
        return
    own = ctx.amount(OWN_FUNDS_KINDS)
    if ctx.below(own, minimum):
        yield Problem("own_funds_below_minimum", _("Own funds %(share)s %% < %(minimum)s %% required by %(rules)s.",
                                                   share=ctx.share(own, rounding=ROUND_DOWN),
                                                   minimum=percent_text(minimum), rules=ctx.label))
    elif ctx.rules.own_funds_in_foreign_currency and ctx.below(ctx.amount(FX_OWN_FUNDS_KINDS), minimum):
        fx = ctx.amount(FX_OWN_FUNDS_KINDS)
        yield Problem("own_funds_not_in_foreign_currency",
                      _("Own funds in foreign currency %(share)s %% < %(minimum)s %% required by %(rules)s.",
                        share=ctx.share(fx, rounding=ROUND_DOWN), minimum=percent_text(minimum), rules=ctx.label))


def check_bank(ctx: PlanContext) -> Iterator[Problem]:
    bank = ctx.amount({"bank_loan"})
    if ctx.rules.max_bank_percent is not None and ctx.above(bank, ctx.rules.max_bank_percent):
        yield Problem("bank_above_maximum", _("Bank loan %(share)s %% > %(maximum)s %% allowed by %(rules)s.",
                                              share=ctx.share(bank, rounding=ROUND_UP),
                                              maximum=percent_text(ctx.rules.max_bank_percent), rules=ctx.label))
    if ctx.rules.max_bank_minor is not None and bank > ctx.rules.max_bank_minor:
        yield Problem("bank_loan_above_maximum", _("Bank loan %(amount)s > %(maximum)s allowed by %(rules)s.",
                                                   amount=ctx.money(bank), maximum=ctx.money(ctx.rules.max_bank_minor),
                                                   rules=ctx.label))


def check_computed_grant(ctx: PlanContext) -> Iterator[Problem]:
    if ctx.expected_grant is None:
        return
    grants = [c for c in ctx.components if c.kind == "grant"]
    if any(not c.computed for c in grants):
        yield Problem("grant_typed", _("The grant is computed by %(rules)s (%(expected)s); it cannot be entered "
                                       "by hand.", rules=ctx.label, expected=ctx.money(ctx.expected_grant)))
    elif sum(c.amount_minor for c in grants) != ctx.expected_grant:
        yield Problem("grant_mismatch", _("Grant %(amount)s differs from %(expected)s computed by %(rules)s.",
                                          amount=ctx.money(ctx.amount({"grant"})),
                                          expected=ctx.money(ctx.expected_grant), rules=ctx.label))


def check_guarantee(ctx: PlanContext) -> Iterator[Problem]:
    percent = ctx.rules.guarantee_percent
    if percent is None:
        return
    expected = guarantee_for(ctx.amount({"bank_loan"}), percent)
    cover = ctx.amount({"guarantee"})
    if cover != expected:
        yield Problem("guarantee_mismatch", _("Guarantee cover %(amount)s differs from %(percent)s %% of the bank "
                                              "loan (%(expected)s) required by %(rules)s.",
                                              amount=ctx.money(cover), percent=percent_text(percent),
                                              expected=ctx.money(expected), rules=ctx.label))


def guarantee_for(bank_minor: int, percent: Decimal) -> int:
    """The cover a guarantee of `percent` gives on a loan, rounded down to the minor unit."""
    return int(bank_minor * percent / 100)


def check_honour_loan(ctx: PlanContext) -> Iterator[Problem]:
    terms = ctx.rules.honour_loan
    if terms is None:
        return
    grant = ctx.amount({"grant"})
    loan_with_grant = ctx.amount({"honour_loan"}) + grant
    if loan_with_grant > terms.max_minor:
        yield Problem("honour_loan_above_maximum", _("Honour loan with its grant %(amount)s > %(maximum)s allowed "
                                                     "by %(rules)s.", amount=ctx.money(loan_with_grant),
                                                     maximum=ctx.money(terms.max_minor), rules=ctx.label))
    if grant > terms.grant_max_minor:
        yield Problem("grant_above_maximum", _("Grant %(amount)s > %(maximum)s allowed by %(rules)s.",
                                               amount=ctx.money(grant), maximum=ctx.money(terms.grant_max_minor),
                                               rules=ctx.label))


def _party_of(component, parties) -> str | None:
    """The first co-funder whose kinds and provider types match the component (see the rule-set JSON)."""
    for party in parties:
        if party.matches(component.kind, component.provider_type):
            return party.party
    return None


def check_splits(ctx: PlanContext) -> Iterator[Problem]:
    parties = ctx.rules.splits
    if not parties:
        return
    totals = dict.fromkeys((p.party for p in parties), 0)
    for component in ctx.components:
        if component.kind not in CASH_KINDS:
            continue
        party = _party_of(component, parties)
        if party is None:
            yield Problem("split_unassigned", _("%(kind)s of %(amount)s belongs to none of the co-funders of "
                                                "%(rules)s.", kind=kind_label(component.kind),
                                                amount=ctx.money(component.amount_minor), rules=ctx.label))
        else:
            totals[party] += component.amount_minor
    for party in parties:
        yield from _check_party(ctx, party, totals[party.party])


def _check_party(ctx: PlanContext, party, amount: int) -> Iterator[Problem]:
    label = str(PARTY_LABELS.get(party.party, party.party))
    if Decimal(amount * 100) != party.percent * ctx.total:
        rounding = ROUND_DOWN if ctx.below(amount, party.percent) else ROUND_UP
        yield Problem("split_mismatch", _("%(party)s share %(share)s %% differs from %(percent)s %% required by "
                                          "%(rules)s.", party=label, share=ctx.share(amount, rounding=rounding),
                                          percent=percent_text(party.percent), rules=ctx.label))
    if party.cap_minor is not None and amount > party.cap_minor:
        yield Problem("split_above_cap", _("%(party)s contribution %(amount)s > %(cap)s allowed by %(rules)s.",
                                           party=label, amount=ctx.money(amount), cap=ctx.money(party.cap_minor),
                                           rules=ctx.label))


def check_diaspora_share(ctx: PlanContext) -> Iterator[Problem]:
    diaspora = ctx.amount(DIASPORA_KINDS)
    minimum, maximum = ctx.rules.diaspora_min_percent, ctx.rules.diaspora_max_percent
    if minimum is not None and ctx.below(diaspora, minimum):
        yield Problem("diaspora_below_minimum", _("Diaspora share %(share)s %% < %(minimum)s %% required by "
                                                  "%(rules)s.", share=ctx.share(diaspora, rounding=ROUND_DOWN),
                                                  minimum=percent_text(minimum), rules=ctx.label))
    if maximum is not None and ctx.above(diaspora, maximum):
        yield Problem("diaspora_above_maximum", _("Diaspora share %(share)s %% > %(maximum)s %% allowed by "
                                                  "%(rules)s.", share=ctx.share(diaspora, rounding=ROUND_UP),
                                                  maximum=percent_text(maximum), rules=ctx.label))


ALWAYS: tuple[Callable[[PlanContext], Iterator[Problem]], ...] = (check_currency, check_sum)
PROGRAMME_RULES: tuple[Callable[[PlanContext], Iterator[Problem]], ...] = (
    check_total_range, check_sector, check_own_funds, check_bank, check_computed_grant, check_guarantee,
    check_honour_loan, check_splits, check_diaspora_share,
)
