"""Locale selection and helpers for reference data stored in three languages."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

LOCALE_COOKIE = "passerelle_locale"


def supported_locales() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The visitor's own choice first (account, then cookie), then the browser's preference."""
    supported = supported_locales()
    if not has_request_context():  # CLI commands and workers: notifications pick each reader's locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def text_direction() -> str:
    locale = get_locale()
    return locale.text_direction if locale else "ltr"


def localized(obj, field: str = "name") -> str:
    """Pick obj.<field>_<lang> for the current language, falling back to English."""
    language = current_language()
    return getattr(obj, f"{field}_{language}", None) or getattr(obj, f"{field}_en")


class NamedInThreeLanguages:
    """Mixin for reference rows with name_en, name_fr and name_ar columns: `name` is the reader's one."""

    @property
    def name(self) -> str:
        return localized(self)
