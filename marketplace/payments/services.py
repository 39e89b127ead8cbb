"""Card payments: set-up at pledge time, off-session charge at close, refunds, reconciliation."""

from __future__ import annotations


def charge_pledge(pledge_id: int) -> None:
    raise NotImplementedError("card collection arrives with the Stripe gateway")
