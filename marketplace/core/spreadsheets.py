"""CSV files that are safe to open in a spreadsheet: one door for every CSV download of the site.

A cell that begins like a formula (=, +, -, @, a tab or a carriage return) is run by Excel, LibreOffice and
Google Sheets when the file is opened (OWASP "CSV injection"); user-typed text such as a project title or a
partner's name must never reach a spreadsheet that way, so such cells are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell) -> str:
    """The cell as text, with an apostrophe in front when it would start a formula; plain numbers stay numbers."""
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in FORMULA_STARTS and not _is_number(text) else text


def csv_text(rows: Iterable[Iterable]) -> str:
    """The rows as CSV text, every cell passed through `csv_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


def _is_number(text: str) -> bool:
    """A signed number such as -12.5 is data, not a formula (but "-1+cmd" is not a number)."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in {"inf", "infinity", "nan"}
