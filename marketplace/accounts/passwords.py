"""Password hashing with argon2id and the password strength policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A valid hash of an unguessable password: checking it costs as much as checking a real one, so an
# unknown e-mail takes as long as a wrong password and does not reveal which accounts exist.
_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def burn_verification_time(password: str) -> None:
    config = current_app.config
    key = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = _hasher().hash("not-a-real-password-for-timing-only")
    verify_password(_DUMMY_HASHES[key], password)


def password_problems(password: str, *, user_inputs: list[str] | None = None) -> list[str]:
    """Reasons a new password is refused: too short or long, or easy to guess (zxcvbn score < 3)."""
    config = current_app.config
    problems = []
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        problems.append(_("Use at least %(n)d characters.", n=config["PASSWORD_MIN_LENGTH"]))
    elif len(password) > config["PASSWORD_MAX_LENGTH"]:
        problems.append(_("Use at most %(n)d characters.", n=config["PASSWORD_MAX_LENGTH"]))
    else:
        strength = zxcvbn(password[:100], user_inputs=[u for u in (user_inputs or []) if u])
        if strength["score"] < 3:
            problems.append(
                _("This password is too easy to guess: add words or characters that are not obvious.")
            )
    return problems
