"""Home page with live figures, the explanatory page, the locale switcher and a health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.accounts.security import safe_next_path
from marketplace.accounts.services import set_locale
from marketplace.core.queries import platform_figures
from marketplace.extensions import db
from marketplace.i18n import LOCALE_COOKIE

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """Explain Passerelle to a first-time visitor, with figures read live from the database."""
    return render_template("core/home.html", figures=platform_figures())


@bp.get("/how-it-works")
def how_it_works():
    """The three kinds of users and what each does, for visitors deciding whether to register."""
    return render_template("core/how_it_works.html")


@bp.post("/locale")
def switch_locale():
    """Remember the chosen language in a cookie and, when logged in, on the account."""
    locale = request.form.get("locale", "")
    target = safe_next_path(request.form.get("next")) or url_for("core.home")
    if locale not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated:
        set_locale(current_user, locale)
        db.session.commit()
    response = redirect(target)
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability for the load balancer."""
    db.session.execute(db.select(1))
    return {"status": "ok"}
