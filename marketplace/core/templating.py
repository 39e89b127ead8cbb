"""Values every template needs: language and direction, navigation for the user's roles, filters."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.models import ROLE_ADMIN, ROLE_AUTHORITY, ROLE_INVESTOR, ROLE_PARTNER
from marketplace.i18n import current_language, text_direction

# (endpoint, label, roles that see it); None means everyone, logged in or not.
NAVIGATION = [
    ("core.home", _l("Home"), None),
    ("core.how_it_works", _l("How it works"), None),
    ("accounts.profile", _l("Investor profile"), {ROLE_INVESTOR}),
    ("organisations.mine", _l("My organisations"), {ROLE_PARTNER, ROLE_AUTHORITY}),
    ("admin.index", _l("Administration"), {ROLE_ADMIN}),
]


def navigation_for(user) -> list[dict]:
    roles = user.roles if user.is_authenticated else set()
    items = []
    for endpoint, label, allowed in NAVIGATION:
        if allowed is None or roles & allowed:
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


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def inject_layout_values():
        return {
            "lang_code": current_language(),
            "text_dir": text_direction(),
            "languages": app.config["LANGUAGES"],
            "navigation": navigation_for(current_user),
            "role_labels": ROLE_LABELS,
        }
