"""The audit chain: appends link up, the database refuses edits, and `flask audit verify` finds tampering."""

import itertools
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.audit.models import APPEND_ONLY_SQLITE, AuditEvent
from marketplace.audit.services import record, verify_chain
from marketplace.extensions import db


def append_entries(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            record("test.event", object_type="thing", object_id=i, before={"n": i}, after={"n": i + 1})
        db.session.commit()


def tamper(app, *statements: str) -> None:
    """Run raw SQL with the append-only triggers lifted, as an attacker with database access would."""
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as connection:
            if dialect == "sqlite":
                connection.execute(text("DROP TRIGGER audit_events_no_update"))
                connection.execute(text("DROP TRIGGER audit_events_no_delete"))
            else:
                connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete"))
            for statement in statements:
                connection.execute(text(statement))
            if dialect == "sqlite":
                for statement in APPEND_ONLY_SQLITE:
                    connection.execute(text(statement))
            else:
                connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete"))


def test_entries_chain_to_each_other(app):
    append_entries(app, 5)
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
        assert verify_chain().ok


def test_verify_command_passes_on_intact_log(app, runner):
    append_entries(app, 3)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "3 entries verified" in result.output


def test_verify_command_names_an_edited_entry(app, runner):
    append_entries(app, 6)
    tamper(app, "UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 4")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry #4" in result.output
    assert "altered" in result.output


def test_verify_command_names_a_deleted_entry(app, runner):
    append_entries(app, 6)
    tamper(app, "DELETE FROM audit_events WHERE seq = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry #3 is missing" in result.output


def test_verify_command_names_a_deleted_last_entry(app, runner):
    append_entries(app, 4)
    tamper(app, "DELETE FROM audit_events WHERE seq = 4")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry #4 is missing" in result.output


def test_verify_command_names_reordered_entries(app, runner):
    append_entries(app, 6)
    tamper(
        app,
        "UPDATE audit_events SET seq = 1000 WHERE seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE seq = 5",
        "UPDATE audit_events SET seq = 5 WHERE seq = 1000",
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry #2" in result.output


def test_recomputed_hash_after_edit_is_still_detected_by_the_next_link(app, runner):
    from marketplace.audit.services import entry_hash

    append_entries(app, 5)
    with app.app_context():
        entry = db.session.get(AuditEvent, 2)
        entry.note = "forged"
        forged_hash = entry_hash(entry)
        db.session.rollback()
    assert all(c in "0123456789abcdef" for c in forged_hash)
    tamper(app, f"UPDATE audit_events SET note = 'forged', hash = '{forged_hash}' WHERE seq = 2")  # noqa: S608
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry #3 does not follow entry #2" in result.output


def test_database_refuses_update_and_delete_of_entries(app):
    append_entries(app, 2)
    with app.app_context():
        for statement in ("UPDATE audit_events SET note = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 2"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
                connection.execute(text(statement))
        assert verify_chain().ok


def test_concurrent_appends_form_one_linear_chain(app):
    errors = []

    def worker():
        try:
            append_entries(app, 10)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        result = verify_chain()
        assert result.ok and result.checked == 40
