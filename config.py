"""Configuration read from the environment; the only module that looks at os.environ.

Three profiles: development (the embedded default), testing and production. Production refuses to
start with a weak or missing SECRET_KEY or with debug on, because either would hand sessions to an
attacker.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production


def normalise_database_url(url: str) -> str:
    """Name the psycopg 3 driver explicitly so a bare postgresql:// URL never picks another one."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    """Settings shared by every profile."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'passerelle.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Payments (used by the pledges feature): without keys, card payment is hidden.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    # A short timeout (the SDK waits 80 s) and explicit retries (StripeClient retries nothing by default).
    STRIPE_TIMEOUT_SECONDS = min(int(os.environ.get("STRIPE_TIMEOUT_SECONDS", "20")), 20)
    STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
    # How long an investor has to authenticate a card charge their bank held back.
    PAYMENT_ACTION_WINDOW_HOURS = int(os.environ.get("PAYMENT_ACTION_WINDOW_HOURS", "72"))

    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Passerelle <no-reply@passerelle.example.org>")

    # Sessions and cookies: the remember-me cookie lasts 30 days at most (Flask-Login's 365 is too long).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
    MAX_PHOTO_BYTES = 8 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 3600

    # Password hashing: argon2id with the library's recommended cost.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 128

    # Log-in throttling: per client address and per account (failures only).
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "10 per minute")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "20 per hour")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {"en": "English", "fr": "Français", "ar": "العربية"}

    # IATI activity XML (impact exports). The reporting organisation's identifier prefixes every activity's
    # iati-identifier ("<ref>-<project id>"). "XI-PASSERELLE" is a placeholder in IATI's "XI-" (IATI-assigned)
    # style: an operator that registers with IATI sets the identifier it was given (e.g. "XM-DAC-…").
    IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "XI-PASSERELLE")
    IATI_REPORTING_ORG_NAME = os.environ.get("IATI_REPORTING_ORG_NAME", "Passerelle")
    IATI_REPORTING_ORG_TYPE = os.environ.get("IATI_REPORTING_ORG_TYPE", "90")  # OrganisationType: 90 Other
    # The official IATI 2.03 schemas, fetched by `make iati-schemas` (used by the tests and `validate_activities`).
    IATI_SCHEMA_DIR = os.environ.get("IATI_SCHEMA_DIR", str(BASE_DIR / "var" / "iati-schemas" / "2-03"))
    # A filtered export covers at most this many projects; past it the visitor is asked to narrow the filters.
    IMPACT_EXPORT_MAX_PROJECTS = int(os.environ.get("IMPACT_EXPORT_MAX_PROJECTS", "500"))

    FORCE_HTTPS = False
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    ITEMS_PER_PAGE = 25

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802 - Flask config name
        return self.REDIS_URL or "memory://"

    @property
    def CACHE_TYPE(self) -> str:  # noqa: N802
        return "RedisCache" if self.REDIS_URL else "SimpleCache"

    @property
    def CACHE_REDIS_URL(self) -> str:  # noqa: N802
        return self.REDIS_URL


class DevelopmentConfig(BaseConfig):
    """The embedded default: SQLite in instance/, no other service needed."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY


class TestingConfig(BaseConfig):
    """Cheap password hashing and an in-memory limiter; each test gets its own database."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production-use-0123456789"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    REDIS_URL = ""
    SERVER_NAME = None


class ProductionConfig(BaseConfig):
    """Behind a proxy with HTTPS, PostgreSQL and Redis; refuses weak settings (see validate)."""

    ENV_NAME = "production"
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> BaseConfig:
    """Return the profile named by the argument or PASSERELLE_ENV (default: development)."""
    name = name or os.environ.get("PASSERELLE_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"Unknown PASSERELLE_ENV {name!r}; use one of {sorted(CONFIGS)}") from None


def validate_production(config: dict) -> None:
    """Refuse to run production with a missing or weak secret, or with the debugger on."""
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32 or len(set(secret)) < 10:
        raise RuntimeError(
            "Production needs a strong SECRET_KEY (32+ random characters), "
            "for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if config.get("DEBUG") or _bool("FLASK_DEBUG"):
        raise RuntimeError("Production refuses to start with debug on (FLASK_DEBUG/DEBUG).")
