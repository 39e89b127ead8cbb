"""Writing and verifying the audit chain. Every feature records its state changes through record()."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from marketplace.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from marketplace.extensions import db
from marketplace.models_common import utcnow


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so what is hashed is exactly what the database gives back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def canonical_content(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str | None,
    before: Any,
    after: Any,
    note: str | None,
) -> str:
    """The exact text that is hashed: sorted keys, no spaces, UTC timestamp to the microsecond."""
    return json.dumps(
        {
            "seq": seq,
            "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": before,
            "after": after,
            "note": note,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def entry_hash(event: AuditEvent) -> str:
    content = canonical_content(
        seq=event.seq,
        created_at=event.created_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        note=event.note,
    )
    return chain_hash(event.prev_hash, content)


def _lock_head() -> tuple[int, str]:
    """Advance the head's sequence, which takes its row lock until the transaction ends."""
    row = db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).first()
    if row is None:
        db.session.add(AuditHead(id=1, last_seq=1, last_hash=GENESIS_HASH))
        db.session.flush()
        return 1, GENESIS_HASH
    return row.last_seq, row.last_hash


def record(
    action: str,
    *,
    actor=None,
    object_type: str,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction; it commits or rolls back with the change itself."""
    seq, prev_hash = _lock_head()
    created_at = utcnow()
    actor_id = getattr(actor, "id", None)
    actor_label = getattr(actor, "email", None) or ("system" if actor is None else str(actor))
    before, after = _jsonable(before), _jsonable(after)
    object_id = None if object_id is None else str(object_id)
    event = AuditEvent(
        seq=seq,
        created_at=created_at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        note=note,
        prev_hash=prev_hash,
    )
    event.hash = entry_hash(event)
    db.session.add(event)
    db.session.flush()
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    return event


@dataclass
class VerificationResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(batch_size: int = 1000) -> VerificationResult:
    """Walk the chain in order and name the first entry that was edited, deleted or reordered."""
    result = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    )
    try:
        return _walk(result.scalars())
    finally:
        result.close()


def _walk(stream) -> VerificationResult:
    expected_seq, running_hash, checked = 1, GENESIS_HASH, 0
    for event in stream:
        if event.seq != expected_seq:
            return VerificationResult(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if event.prev_hash != running_hash:
            return VerificationResult(
                False, checked, event.seq, f"entry #{event.seq} does not follow entry #{event.seq - 1}"
            )
        if entry_hash(event) != event.hash:
            return VerificationResult(False, checked, event.seq, f"entry #{event.seq} was altered")
        running_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head and head.last_hash != running_hash and checked):
        return VerificationResult(
            False, checked, checked + 1, f"entry #{checked + 1} is missing (the log ends at #{last_seq})"
        )
    return VerificationResult(True, checked)


def snapshot(obj, fields: list[str]) -> dict[str, Any]:
    """A dict of the named attributes, for the before and after of an audit entry."""
    return {field: getattr(obj, field) for field in fields}
