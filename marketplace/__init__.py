"""Passerelle: diaspora investment in vetted projects, and the public-private partnerships behind them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, load_config, validate_production
from marketplace.extensions import babel, cache, csrf, db, limiter, login_manager, migrate, talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: str | object | None = None, **overrides) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages and CLI commands."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    settings = config if config is not None and not isinstance(config, str) else load_config(config)
    app.config.from_object(settings)
    app.config.update(overrides)
    if app.config.get("ENV_NAME") == "production":
        validate_production(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (BASE_DIR / "instance").mkdir(exist_ok=True)

    if app.config["PROXY_FIX_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_HOPS"],
                                x_proto=app.config["PROXY_FIX_HOPS"])

    _init_extensions(app)
    _register_blueprints(app)
    from marketplace.core.errors import register_error_handlers

    register_error_handlers(app)
    from marketplace.core.templating import register_template_helpers

    register_template_helpers(app)
    _register_cli(app)
    return app


STRIPE_API_ORIGIN = "https://api.stripe.com"
STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(config) -> dict:
    """The CSP, opened to Stripe.js and the Stripe API only when card payments are configured."""
    policy = dict(CONTENT_SECURITY_POLICY)
    if not (config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY")):
        return policy
    script = _origin(config["STRIPE_JS_URL"])
    api = _origin(config["STRIPE_API_BASE"]) if config.get("STRIPE_API_BASE") else STRIPE_API_ORIGIN
    frames = " ".join(dict.fromkeys((script, *STRIPE_FRAME_ORIGINS)))
    policy["script-src"] = f"'self' {script}"
    policy["connect-src"] = " ".join(dict.fromkeys(("'self'", script, api)))
    policy["frame-src"] = f"'self' {frames}"
    return policy


def _init_extensions(app: Flask) -> None:
    from marketplace.i18n import install_fast_gettext, select_locale

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True,
                     directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_fast_gettext(app)
    limiter.init_app(app)
    cache.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=content_security_policy(app.config),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
        strict_transport_security=app.config["FORCE_HTTPS"],
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    from marketplace.accounts.session import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys on SQLite and let concurrent writers wait instead of failing at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    import marketplace.impact.models
    import marketplace.payments.models
    import marketplace.pledges.models
    import marketplace.ppp.ledger_models
    import marketplace.ppp.models
    import marketplace.ppp.partner_models  # noqa: F401
    from marketplace import dashboards
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.admin.views import bp as admin_bp
    from marketplace.api.views import bp as api_bp
    from marketplace.core.views import bp as core_bp
    from marketplace.impact.admin_views import bp as impact_admin_bp
    from marketplace.impact.export_views import bp as impact_exports_bp
    from marketplace.impact.views import bp as impact_bp
    from marketplace.notifications.views import bp as notifications_bp
    from marketplace.organisations.views import bp as organisations_bp
    from marketplace.payments.views import bp as payments_bp
    from marketplace.pledges.views import bp as pledges_bp
    from marketplace.ppp.partner_views import bp as ppp_partners_bp
    from marketplace.ppp.rule_set_views import bp as ppp_rules_bp
    from marketplace.ppp.views import bp as ppp_bp
    from marketplace.ppp.workspace_views import bp as ppp_workspace_bp
    from marketplace.projects.vetting_views import bp as vetting_bp
    from marketplace.projects.views import bp as projects_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(vetting_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(pledges_bp)
    app.register_blueprint(ppp_bp)
    app.register_blueprint(ppp_partners_bp)
    app.register_blueprint(ppp_workspace_bp)
    app.register_blueprint(ppp_rules_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(impact_bp)
    app.register_blueprint(impact_admin_bp)
    app.register_blueprint(impact_exports_bp)
    dashboards.init_app(app)


def _register_cli(app: Flask) -> None:
    from marketplace.audit.cli import audit_cli
    from marketplace.demo.cli import seed_demo_command
    from marketplace.payments.cli import payments_cli
    from marketplace.pledges.cli import campaigns_cli, pledges_cli
    from marketplace.projects.cli import projects_cli
    from marketplace.reference.cli import reference_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(projects_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(pledges_cli)
