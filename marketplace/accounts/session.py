"""Loading the logged-in user from the session id that User.get_id() issued."""

from __future__ import annotations

import hmac

from marketplace.accounts.models import User
from marketplace.extensions import db


def load_user_from_session_id(session_id: str) -> User | None:
    """Accept 'id:token' only while the token is current: a password change voids older sessions."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user
