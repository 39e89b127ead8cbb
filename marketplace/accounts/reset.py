"""Password reset by e-mailed link: a signed token that dies after an hour or after it is used."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.accounts.models import User
from marketplace.accounts.services import find_user_by_email, set_new_password
from marketplace.audit.services import record
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

TOKEN_MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, so a link works once and old links die with a new password."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(user: User) -> str:
    return _serializer().dumps({"id": user.id, "fp": _fingerprint(user)})


def user_for_token(token: str, *, max_age: int = TOKEN_MAX_AGE) -> User | None:
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        return None
    return user


def request_reset(email: str) -> None:
    """Queue a reset e-mail if the address belongs to an active account; say nothing either way."""
    user = find_user_by_email(email or "")
    if user is None or not user.is_active:
        return
    link = url_for("accounts.reset_password", token=make_token(user), _external=True)
    with force_locale(user.locale):
        subject = _("Reset your Passerelle password")
        body = _("Someone asked to reset the password of your Passerelle account. If it was you, open this "
                 "link within an hour:\n\n%(link)s\n\nIf it was not you, ignore this e-mail; your password stays "
                 "as it is.", link=link)
    db.session.add(OutboxEmail(recipient=user.email, subject=subject, body_text=body))
    record("account.password_reset_requested", actor=user, object_type="user", object_id=user.id)


def reset_password(user: User, new_password: str) -> None:
    set_new_password(user, new_password)
    record("account.password_reset", actor=user, object_type="user", object_id=user.id,
           note="all sessions were signed out")
