"""Investor protection as data: which regime applies, what it requires, and the texts it shows.

A regime is a `ProtectionRule` row chosen by the investor's country of residence and the offer's
instrument. Its figures live in `params`; this module only interprets them. Every text an investor is
shown carries a version, and each consent stores that version with a hash of the exact words shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.core import get_global
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.pledges.models import ACTIVE_STATUSES, InvestorAssessment, Pledge, PledgeConsent, ProtectionRule
from marketplace.reference.fx import convert

PLATFORM = "platform"

# The texts, each with a version: a new wording is a new version, and consents name the one shown.
TEXTS = {
    "risk_warning": ("rw-2022-2114-v1", _l(
        "An investment in a crowdfunding project includes the risk of losing the entirety of the money invested.")),
    "reflection_notice": ("rn-v1", _l(
        "You may revoke this offer at any time, without giving a reason and without penalty, for 4 calendar days "
        "from the moment you make it. Nothing is charged before that period ends.")),
    "high_amount": ("ha-v1", _l(
        "This pledge is larger than the higher of 1,000 euros and 5 percent of your net worth. Investing such a "
        "share of your wealth in a single project is risky: you could lose all of it.")),
    "reconfirmation": ("rc-v1", _l(
        "The project changed materially after you pledged. Reconfirm your pledge, or it lapses and nothing is "
        "charged.")),
    "regcf_limit": ("rcf-227-100-v1", _l(
        "US Regulation Crowdfunding limits what you may invest across all offerings in 12 months.")),
}

KNOWLEDGE_TEST_VERSION = "kt-v1"
# (question, choices, index of the right answer)
KNOWLEDGE_QUESTIONS = [
    (_l("If the project fails, how much of the money you invested can you lose?"),
     [_l("Nothing: it is guaranteed"), _l("At most the interest"), _l("All of it")], 2),
    (_l("Can you usually sell a share in a crowdfunded company whenever you want?"),
     [_l("Yes, at any time"), _l("No, there is often no market for it"), _l("Only to the platform")], 1),
    (_l("Is money you invest here covered by a deposit guarantee scheme?"),
     [_l("Yes, up to 100,000 euros"), _l("No")], 1),
    (_l("Which spreads risk better?"),
     [_l("One large investment"), _l("Several smaller investments in different projects")], 1),
    (_l("A loan to a project pays a high interest rate. What does that usually mean?"),
     [_l("The risk is low"), _l("The risk of not being repaid is higher")], 1),
]
KNOWLEDGE_PASS_MARK = 4


def text(kind: str) -> tuple[str, str]:
    """(version, the words in the current locale)."""
    version, words = TEXTS[kind]
    return version, str(words)


def text_hash(words: str) -> str:
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def record_consent(user, kind: str, *, text_kind: str | None = None, pledge: Pledge | None = None,
                   project=None, payload: dict | None = None, version: str | None = None,
                   words: str = "") -> PledgeConsent:
    """Store what the person saw and did, immutably, with the version and hash of the words shown."""
    if text_kind is not None:
        version, words = text(text_kind)
    consent = PledgeConsent(user_id=user.id, pledge_id=getattr(pledge, "id", None),
                            project_id=getattr(project, "id", None) or getattr(pledge, "project_id", None),
                            kind=kind, text_version=version or "none", text_sha256=text_hash(words),
                            payload={"locale": str(get_locale() or "en"), **(payload or {})})
    db.session.add(consent)
    return consent


def _applies(rule: ProtectionRule, residence: str | None, instrument: str, today: date) -> bool:
    if rule.valid_from > today or (rule.valid_to is not None and rule.valid_to < today):
        return False
    countries_ok = "*" in rule.residence_countries or residence in rule.residence_countries
    instruments_ok = "*" in rule.instruments or instrument in rule.instruments
    return countries_ok and instruments_ok


def _latest_rules(today: date) -> list[ProtectionRule]:
    """The rules in force today, read once per request or command (they are few, and read several times)."""
    from flask import g

    cache = g.setdefault("protection_rules", {})
    if today not in cache:
        cache[today] = _load_latest_rules(today)
    return cache[today]


def _load_latest_rules(today: date) -> list[ProtectionRule]:
    rules = db.session.scalars(select(ProtectionRule).order_by(ProtectionRule.code, ProtectionRule.version.desc()))
    latest: dict[str, ProtectionRule] = {}
    for rule in rules:
        if rule.code not in latest and rule.valid_from <= today:
            latest[rule.code] = rule
    return list(latest.values())


def platform_params(today: date | None = None) -> dict:
    for rule in _latest_rules(today or date.today()):
        if rule.code == PLATFORM:
            return rule.params
    return {}


def regime_for(investor, project, today: date | None = None) -> ProtectionRule | None:
    """The specific regime covering this investor and offer, or None when only platform rules apply."""
    today = today or date.today()
    residence = investor.residence_country.iso2 if investor.residence_country else None
    for rule in _latest_rules(today):
        if rule.code != PLATFORM and _applies(rule, residence, project.instrument, today):
            return rule
    return None


def investor_zone(user) -> ZoneInfo:
    """The zone in which deadlines are shown to this person: theirs, else their country's first, else UTC."""
    names = [user.time_zone] if getattr(user, "time_zone", None) else []
    if user.residence_country is not None:
        names += get_global("territory_zones").get(user.residence_country.iso2, [])
    for name in names:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            continue
    return ZoneInfo("UTC")


def campaign_deadline(project) -> datetime:
    """The moment a campaign ends: midnight UTC after its last day."""
    return datetime.combine(project.campaign_ends_on + timedelta(days=1), time(0), tzinfo=UTC)


def revocable_until(rule: ProtectionRule | None, project, offered_at: datetime) -> datetime:
    """EU: offered_at + 96 h. US: until 48 h before the deadline. Otherwise: committed at once."""
    if rule is None:
        return offered_at + timedelta(hours=platform_params().get("revocation_hours", 0))
    params = rule.params
    if "revocation_hours" in params:
        return offered_at + timedelta(hours=params["revocation_hours"])
    if "cancellation_lock_hours" in params:
        return max(offered_at, campaign_deadline(project) - timedelta(hours=params["cancellation_lock_hours"]))
    return offered_at


def add_business_days(moment: datetime, days: int) -> datetime:
    result = moment
    while days > 0:
        result += timedelta(days=1)
        if result.weekday() < 5:
            days -= 1
    return result


def latest_assessment(user_id: int, kind: str) -> InvestorAssessment | None:
    return db.session.scalar(select(InvestorAssessment).where(
        InvestorAssessment.user_id == user_id, InvestorAssessment.kind == kind)
        .order_by(InvestorAssessment.created_at.desc(), InvestorAssessment.id.desc()).limit(1))


@dataclass
class Requirements:
    """What a pledge of a given amount requires of this investor under the regime that covers them."""

    rule: ProtectionRule | None
    missing: list[str] = field(default_factory=list)  # steps to complete first: blocking
    risk_warning: bool = False  # knowledge test failed: warning to acknowledge
    high_amount: bool = False  # warning, explicit consent and understanding check
    threshold_minor: int | None = None  # in the rule's currency
    limit_left_minor: int | None = None  # Reg CF: what the investor may still invest (rule currency)
    over_limit: bool = False

    @property
    def blocked(self) -> bool:
        return bool(self.missing) or self.over_limit


def profile_problems(investor) -> list[str]:
    """What an investor must fill in before pledging at all."""
    problems = []
    if not investor.is_investor:
        problems.append(_("Your account is not an investor account."))
    if investor.residence_country_id is None:
        problems.append(_("Add your country of residence to your profile."))
    return problems


def requirements(investor, project, amount_minor: int, now: datetime) -> Requirements:
    rule = regime_for(investor, project, now.date())
    result = Requirements(rule=rule)
    if rule is None:
        return result
    params = rule.params
    if rule.code == "eu_ecspr":
        test = latest_assessment(investor.id, "knowledge_test")
        valid_days = params["knowledge_test_valid_days"]
        if test is None or test.created_at < now - timedelta(days=valid_days):
            result.missing.append("knowledge_test")
        elif not test.passed:
            result.risk_warning = True
        simulation = latest_assessment(investor.id, "loss_simulation")
        if simulation is None:
            result.missing.append("loss_simulation")
        else:
            floor = params["high_amount_floor_minor"]
            share = simulation.net_worth_minor * params["high_amount_net_worth_percent"] // 100
            result.threshold_minor = max(floor, share)
            # Art. 21(7) is per offer: what the investor already has active on this project counts too.
            on_offer = amount_minor + active_on_project(investor.id, project.id)
            in_rule_currency = convert(on_offer, project.currency, params["currency"], round_up=True).minor
            result.high_amount = in_rule_currency > result.threshold_minor
    elif rule.code == "us_regcf":
        financials = latest_assessment(investor.id, "regcf_financials")
        if financials is None or financials.created_at < now - timedelta(days=params["financials_valid_days"]):
            result.missing.append("regcf_financials")
        elif not financials.answers.get("accredited"):
            limit = regcf_limit(financials.annual_income_minor or 0, financials.net_worth_minor or 0, params)
            used = regcf_used(investor.id, rule, now)
            result.limit_left_minor = max(limit - used, 0)
            in_rule_currency = convert(amount_minor, project.currency, params["currency"], round_up=True).minor
            result.over_limit = in_rule_currency > result.limit_left_minor
    return result


def active_on_project(investor_id: int, project_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Pledge.amount_minor), 0)).where(
        Pledge.investor_id == investor_id, Pledge.project_id == project_id, Pledge.status.in_(ACTIVE_STATUSES)))


def regcf_limit(income_minor: int, net_worth_minor: int, params: dict) -> int:
    """17 CFR 227.100(a)(2): the 12-month limit for a non-accredited investor, in minor units."""
    threshold = params["limit_threshold_minor"]
    greater = max(income_minor, net_worth_minor)
    if income_minor < threshold or net_worth_minor < threshold:
        return max(params["limit_floor_minor"], greater * params["limit_low_percent"] // 100)
    return min(greater * params["limit_high_percent"] // 100, params["limit_cap_minor"])


def regcf_used(investor_id: int, rule: ProtectionRule, now: datetime) -> int:
    """What the investor pledged under Reg CF in the window, converted to the rule's currency."""
    since = now - timedelta(days=rule.params["limit_window_days"])
    rows = db.session.execute(
        select(Pledge.currency, func.sum(Pledge.amount_minor)).where(
            Pledge.investor_id == investor_id, Pledge.protection_rule_id.in_(
                select(ProtectionRule.id).where(ProtectionRule.code == rule.code)),
            Pledge.status.in_(ACTIVE_STATUSES), Pledge.offered_at >= since).group_by(Pledge.currency)).all()
    return sum(convert(total, currency, rule.params["currency"], round_up=True).minor for currency, total in rows)


def score_knowledge_test(answers: dict[str, int]) -> tuple[int, bool]:
    correct = sum(1 for index, (_q, _c, right) in enumerate(KNOWLEDGE_QUESTIONS) if answers.get(str(index)) == right)
    return correct, correct >= KNOWLEDGE_PASS_MARK


def record_knowledge_test(user, answers: dict[str, int]) -> InvestorAssessment:
    from marketplace.audit.services import record

    correct, passed = score_knowledge_test(answers)
    assessment = InvestorAssessment(user_id=user.id, kind="knowledge_test", text_version=KNOWLEDGE_TEST_VERSION,
                                    answers={"answers": answers, "correct": correct}, passed=passed)
    db.session.add(assessment)
    db.session.flush()
    record("investor.knowledge_test", actor=user, object_type="user", object_id=user.id,
           after={"correct": correct, "passed": passed, "version": KNOWLEDGE_TEST_VERSION})
    return assessment


def record_knowledge_test_skipped(user) -> InvestorAssessment:
    """ECSPR Art. 21(4): an investor may decline the test; they then see the risk warning before investing."""
    from marketplace.audit.services import record

    assessment = InvestorAssessment(user_id=user.id, kind="knowledge_test", text_version=KNOWLEDGE_TEST_VERSION,
                                    answers={"skipped": True}, passed=False)
    db.session.add(assessment)
    db.session.flush()
    record("investor.knowledge_test_skipped", actor=user, object_type="user", object_id=user.id)
    return assessment


def record_loss_simulation(user, *, income_minor: int, liquid_assets_minor: int, commitments_minor: int,
                           currency: str = "EUR", loss_percent: int = 10) -> InvestorAssessment:
    """ECSPR Art. 21(5): net worth from income and liquid assets less commitments; 10 % of it is the
    loss the investor can bear. Property and pensions are excluded by the form's wording."""
    from marketplace.audit.services import record

    net_worth = max(income_minor + liquid_assets_minor - commitments_minor, 0)
    assessment = InvestorAssessment(
        user_id=user.id, kind="loss_simulation", text_version="ls-v1", currency=currency,
        answers={"income_minor": income_minor, "liquid_assets_minor": liquid_assets_minor,
                 "commitments_minor": commitments_minor},
        net_worth_minor=net_worth, annual_income_minor=income_minor,
        loss_capacity_minor=net_worth * loss_percent // 100)
    db.session.add(assessment)
    db.session.flush()
    record("investor.loss_simulation", actor=user, object_type="user", object_id=user.id,
           after={"net_worth_minor": net_worth, "currency": currency})
    return assessment


def record_regcf_financials(user, *, income_minor: int, net_worth_minor: int, accredited: bool) -> InvestorAssessment:
    from marketplace.audit.services import record

    assessment = InvestorAssessment(user_id=user.id, kind="regcf_financials", text_version="rcf-v1", currency="USD",
                                    answers={"accredited": accredited}, annual_income_minor=income_minor,
                                    net_worth_minor=net_worth_minor)
    db.session.add(assessment)
    db.session.flush()
    record("investor.regcf_financials", actor=user, object_type="user", object_id=user.id,
           after={"accredited": accredited})
    return assessment
