"""Loading the programmes' rule sets from data; a changed rule is a new version, so existing ones are kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ppp.models import RuleSet
from marketplace.ppp.params import parse_params
from marketplace.programmes.models import Programme

RULES_FILE = Path(__file__).resolve().parent.parent / "reference" / "data" / "programme_rules.json"


def load_rule_sets(path: Path = RULES_FILE) -> int:
    """Insert the rule sets whose programme exists and whose version is new; return how many were added.

    Programmes are created by the demo seed or by an admin, possibly after reference data is loaded, so
    a rule set of a missing programme is skipped now and picked up by a later run.
    """
    programmes = dict(db.session.execute(select(Programme.code, Programme.id)).all())
    existing = set(db.session.execute(select(RuleSet.programme_id, RuleSet.version)).all())
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        programme_id = programmes.get(row["programme"])
        if programme_id is None or (programme_id, row["version"]) in existing:
            continue
        parse_params(row["params"])  # refuse a malformed file before anything relies on it
        db.session.add(RuleSet(
            programme_id=programme_id, version=row["version"], params=row["params"],
            valid_from=date.fromisoformat(row["valid_from"]),
            valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        ))
        existing.add((programme_id, row["version"]))
        added += 1
    db.session.flush()
    return added
