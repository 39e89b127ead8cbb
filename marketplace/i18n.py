"""Locale selection and helpers for reference data stored in three languages."""

from __future__ import annotations

from functools import lru_cache

from babel import numbers
from flask import current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Domain
from flask_babel import get_locale as babel_locale
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


def get_locale():
    """Flask-Babel's locale, read straight from where it keeps it once chosen (a page asks hundreds of times)."""
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return locale if locale is not None else babel_locale()


class RequestCachedDomain(Domain):
    """Flask-Babel's message domain, but one per application, finding the request's catalogue at once.

    Flask-Babel makes a new domain for every request, whose empty cache reads and parses the compiled
    catalogue from disk again, and each lookup walks three context lookups and rebuilds the locale's name;
    a page translates a few hundred strings. This domain keeps the parsed catalogues, and the request's
    catalogue beside the locale object it belongs to (checked by identity, so `force_locale` is obeyed).
    """

    def get_translations(self):
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return super().get_translations()
        locale = get_locale()
        cached = getattr(app_ctx.g, "_passerelle_translations", None)
        if cached is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        app_ctx.g._passerelle_translations = (locale, translations)
        return translations


def install_fast_gettext(app) -> None:
    """Every request uses the application's `RequestCachedDomain`; templates call it without detours."""
    domain = RequestCachedDomain()

    @app.before_request
    def use_shared_domain() -> None:
        domain.as_default()

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
    )


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


# --- numbers ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=16_384, typed=True)
def _decimal_text(value, pattern: str | None, locale) -> str:
    return numbers.format_decimal(value, format=pattern, locale=locale)


@lru_cache(maxsize=4_096, typed=True)
def _percent_text(value, pattern: str | None, locale) -> str:
    return numbers.format_percent(value, format=pattern, locale=locale)


def format_decimal(value, pattern: str | None = None) -> str:
    """Babel's `format_decimal` in the request's locale, memoised: a pure function of its arguments, and a
    dashboard formats a thousand figures per page, most of them seen before (counts, totals)."""
    return _decimal_text(value, pattern, get_locale())


def format_percent(value, pattern: str | None = None) -> str:
    """Babel's `format_percent` in the request's locale, memoised like `format_decimal`."""
    return _percent_text(value, pattern, get_locale())
