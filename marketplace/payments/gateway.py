"""The only module that imports `stripe`. Everything else asks this module, by our own ids."""

from __future__ import annotations

from flask import current_app


def is_configured() -> bool:
    """Card payments exist only when Stripe keys are configured; bank transfer works alone otherwise."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY"))
