"""Values every template needs: language and direction, navigation for the user's roles, filters."""

from __future__ import annotations

import json

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import ROLE_ADMIN, ROLE_AUTHORITY, ROLE_INVESTOR, ROLE_PARTNER
from marketplace.core.markdown import render_markdown
from marketplace.i18n import current_language, format_decimal, get_locale, text_direction
from marketplace.money import format_money
from marketplace.notifications.services import unread_count
from marketplace.projects.models import SDG_NAMES


def _is_bank_member(user) -> bool:
    return user.is_authenticated and any(m.organisation.type in {"bank", "microfinance"} for m in user.memberships)


# (endpoint, label, roles that see it or a predicate on the user); None means everyone.
def _is_anonymous(user) -> bool:
    return not user.is_authenticated


NAVIGATION = [
    ("projects.catalogue", _l("Projects"), None),
    ("core.how_it_works", _l("How it works"), _is_anonymous),
    ("pledges.portfolio", _l("Portfolio"), {ROLE_INVESTOR}),
    ("accounts.profile", _l("Investor profile"), {ROLE_INVESTOR}),
    ("projects.mine", _l("Our listings"), {ROLE_PARTNER, ROLE_AUTHORITY}),
    ("vetting.bank_queue", _l("Due diligence"), _is_bank_member),
    ("pledges.transfer_queue", _l("Transfers"), _is_bank_member),
    ("vetting.review_queue", _l("Review queue"), {ROLE_AUTHORITY}),
    ("ppp_workspace.partnerships", _l("Partnerships"), {ROLE_PARTNER, ROLE_AUTHORITY, ROLE_ADMIN}),
    ("dashboards.capital", _l("Dashboards"), {ROLE_PARTNER, ROLE_AUTHORITY, ROLE_ADMIN}),
    ("organisations.mine", _l("My organisations"), {ROLE_PARTNER, ROLE_AUTHORITY}),
    ("admin.index", _l("Administration"), {ROLE_ADMIN}),
]


def _visible(allowed, user, roles) -> bool:
    if allowed is None:
        return True
    if callable(allowed):
        return allowed(user)
    return bool(roles & allowed)


def navigation_for(user) -> list[dict]:
    roles = user.roles if user.is_authenticated else set()
    items = []
    for endpoint, label, allowed in NAVIGATION:
        if _visible(allowed, user, roles):
            url = url_for(endpoint)
            items.append({"url": url, "label": label, "active": request.path == url
                          or (url != "/" and request.path.startswith(url))})
    return items


ROLE_LABELS = {
    ROLE_INVESTOR: _l("Investor"),
    ROLE_PARTNER: _l("Partner member"),
    ROLE_AUTHORITY: _l("Authority reviewer"),
    ROLE_ADMIN: _l("Administrator"),
}


ACTION_BUTTONS = {
    "submit": _l("Submit for vetting"),
    "start_review": _l("Start the review"),
    "request_changes": _l("Request changes"),
    "reject": _l("Reject"),
    "approve": _l("Approve"),
    "publish": _l("Publish now"),
    "suspend": _l("Suspend"),
    "resume": _l("Resume"),
    "cancel": _l("Cancel the project"),
    "back_to_review": _l("Back to review after a material change"),
    "close_funded": _l("Closed as funded"),
    "close_failed": _l("Closed as not funded"),
    "start_implementation": _l("Implementation started with the first disbursement"),
    "demo_history": _l("Status set by the demo data"),
}

FIELD_LABELS = {
    "language": _l("Language of the listing"), "title": _l("Title"), "summary": _l("Summary"),
    "description": _l("Description"), "translations": _l("Translations"), "country_id": _l("Country"),
    "region_id": _l("Region"), "sector_id": _l("Sector"), "expected_jobs": _l("Expected jobs"),
    "instrument": _l("Instrument"), "funding_rule": _l("Funding rule"), "currency": _l("Currency"),
    "target_minor": _l("Funding target (minor units)"), "min_ticket_minor": _l("Minimum ticket (minor units)"),
    "campaign_starts_on": _l("Campaign starts on"), "campaign_ends_on": _l("Campaign ends on"),
    "programme_id": _l("Programme"), "risks": _l("Risks"), "partner_bank_id": _l("Partner bank"),
    "sdg_goals": _l("Sustainable Development Goals"),
}


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def inject_layout_values():
        return {
            "lang_code": current_language(),
            "text_dir": text_direction(),
            "languages": app.config["LANGUAGES"],
            "navigation": navigation_for(current_user),
            "role_labels": ROLE_LABELS,
            "action_labels": ACTION_BUTTONS,
            "field_labels": FIELD_LABELS,
            "sdg_names": SDG_NAMES,
            "unread_notifications": unread_count(current_user.id) if current_user.is_authenticated else 0,
        }

    @app.template_filter("money")
    def money_filter(minor: int | None, currency: str) -> str:
        """Integer minor units in the visitor's locale; whole amounts without decimals (1 500 000 MAD)."""
        if minor is None:
            return "—"
        return format_money(minor, currency, get_locale())

    @app.template_filter("numberformat")
    def numberformat_filter(value) -> str:
        """Flask-Babel's `numberformat`, memoised per locale (a dashboard page formats a thousand counts)."""
        return format_decimal(value)

    @app.template_filter("rate_text")
    def rate_text_filter(rate) -> str:
        """An exchange rate to six significant digits in the reader's locale (0.0925926, 10.8)."""
        from decimal import Decimal

        value = Decimal(rate)
        if not value:
            return "0"
        significant = Decimal(f"1e{value.adjusted() - 5}")  # six significant digits
        return format_decimal(value.quantize(significant), "#,##0.##########")

    @app.template_filter("money_plain")
    def money_plain_filter(minor: int | None, currency: str) -> str:
        """Minor units as a plain decimal for form inputs (5000.50), never localised."""
        from marketplace.money import to_major

        return "" if minor is None else str(to_major(minor, currency))

    @app.template_filter("audit_json")
    def audit_json_filter(value) -> str:
        """Readable JSON for the audit log: real characters instead of \\u escapes (escaped by Jinja)."""
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    @app.template_filter("markdown")
    def markdown_filter(text: str | None):
        return render_markdown(text)
