"""The pledge lifecycle: one transition table and one function that applies it.

offered (revocable) → committed → collecting → paid | payment_failed, plus revoked, released (campaign
failed), refunded (project cancelled after payment) and lapsed (no reconfirmation). The status moves
by a conditional UPDATE, so two workers or a double click cannot both apply a step; leaving the active
states gives the capacity and any match back in the same transaction. Every step is audited and kept
in the pledge's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.pledges import capacity, matching
from marketplace.pledges.models import ACTIVE_STATUSES, PLEDGE_STATUSES, Pledge, PledgeTransition


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str


def _s(sources, target) -> Step:
    return Step(frozenset(sources), target)


TRANSITIONS: dict[str, Step] = {
    "commit": _s({"offered"}, "committed"),
    "revoke": _s({"offered"}, "revoked"),
    "decline_reconfirmation": _s({"committed"}, "revoked"),
    "start_collection": _s({"committed"}, "collecting"),
    "mark_paid": _s({"collecting"}, "paid"),
    "fail_payment": _s({"collecting"}, "payment_failed"),
    "release": _s({"offered", "committed", "collecting"}, "released"),
    "refund": _s({"paid"}, "refunded"),
    "lapse": _s({"offered", "committed"}, "lapsed"),
}
TERMINAL = frozenset({"paid", "payment_failed", "revoked", "released", "refunded", "lapsed"})

# Read models kept in step with pledges (the dashboards' summary tables) register here, so that pledges
# never import them: each observer is called inside the transaction that changed the pledge.
Observer = Callable[[Pledge, "str | None", str], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    """Call `observer(pledge, from_status, to_status)` on every new pledge (from None) and every step."""
    if observer not in _observers:
        _observers.append(observer)


def announce(pledge: Pledge, source: str | None, target: str) -> None:
    """Tell the observers, in the caller's transaction; pledge creation and `apply` both come through here."""
    for observer in _observers:
        observer(pledge, source, target)


def apply(pledge: Pledge, action: str, *, actor=None, note: str | None = None, **changes) -> Pledge:
    """Move the pledge one step, or raise and change nothing. `changes` are set on the row with it."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise DomainError(_("Unknown action."))
    source = pledge.status
    if source not in step.sources:
        raise ConflictError(_("A pledge that is “%(status)s” cannot be changed that way.",
                              status=PLEDGE_STATUSES.get(source, source)))
    now = utcnow()
    values = dict(changes, status=step.target, updated_at=now)
    if step.target == "committed":
        values.setdefault("committed_at", now)
    if step.target in TERMINAL:
        values.setdefault("settled_at", now)
    changed = db.session.execute(
        update(Pledge).where(Pledge.id == pledge.id, Pledge.status == source).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConflictError(_("This pledge changed at the same moment; reload the page."))
    returned = {}
    if source in ACTIVE_STATUSES and step.target not in ACTIVE_STATUSES:
        capacity.release(pledge.project_id, pledge.amount_minor)
        returned["capacity_released_minor"] = pledge.amount_minor
        if pledge.match_pool_id and pledge.matched_minor:
            matching.give_back(pledge.match_pool_id, pledge.investor_id, pledge.matched_minor)
            returned.update(match_returned_minor=pledge.matched_minor, match_pool_id=pledge.match_pool_id)
        capacity.count_investor(pledge.project_id, pledge.investor_id, pledge.id, -1)
    announce(pledge, source, step.target)
    db.session.add(PledgeTransition(pledge_id=pledge.id, action=action, from_status=source, to_status=step.target,
                                    actor_id=getattr(actor, "id", None), note=note))
    db.session.flush()
    db.session.refresh(pledge)
    record(f"pledge.{action}", actor=actor, object_type="pledge", object_id=pledge.id,
           before={"status": source},
           after={"status": step.target, "amount_minor": pledge.amount_minor, "currency": pledge.currency, **returned,
                  **{k: v for k, v in changes.items() if isinstance(v, int | str | bool)}}, note=note)
    return pledge
