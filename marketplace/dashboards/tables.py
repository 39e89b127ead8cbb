"""Dashboard tables as data: typed cells (money, counts, text, dates) that the page, the CSV and the charts share.

A cell keeps its value and, when the privacy rule hides it, the reason instead; the page, the CSV file and the
chart all read `Cell.shown`, so a hidden figure cannot leak through one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from marketplace.dashboards.queries import MIN_INVESTORS, Converter, RateUsed, complement_reason, too_few_reason

MONEY, COUNT, TEXT, DAY = "money", "count", "text", "date"


@dataclass
class Cell:
    """An amount in minor units, a count, a text or a date; `hidden` says why it is not shown."""

    value: int | str | date | None
    hidden: str | None = None

    @property
    def shown(self):
        return None if self.hidden else self.value


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = MONEY


@dataclass
class Row:
    key: tuple
    label: str
    cells: dict[str, Cell]
    group: str | None = None

    def shown(self, column: str):
        return self.cells[column].shown


@dataclass
class FigureTable:
    """One table of a dashboard: its rows, its total rows, and the rates its amounts were converted at."""

    name: str
    title: str
    heading: str  # what the first column names
    columns: list[Column]
    rows: list[Row]
    totals: list[Row]
    currency: str
    chart: tuple[str, ...] = ()
    note: str = ""
    rates: list[RateUsed] = field(default_factory=list)
    missing_rates: list[str] = field(default_factory=list)

    def row(self, key: tuple) -> Row:
        return next(row for row in [*self.rows, *self.totals] if row.key == key)


def finish(table: FigureTable, convert: Converter) -> FigureTable:
    """Record the exchange rates used so far (and those missing) on the table, for its notes and its CSV."""
    table.rates, table.missing_rates = convert.rates_used, sorted(convert.missing)
    return table


def suppress_column(cells: list[tuple[Cell, int]], total: tuple[Cell, int]) -> None:
    """The capital dashboard's rule for one column: hide 1 to 4 investors, then enough others to protect them."""
    total_cell, total_investors = total
    if 0 < total_investors < MIN_INVESTORS:
        total_cell.hidden = too_few_reason()
    hidden = []
    for cell, investors in cells:
        if 0 < investors < MIN_INVESTORS:
            cell.hidden = too_few_reason()
            hidden.append(investors)
    if not hidden or total_cell.hidden:
        return
    candidates = sorted(((investors, cell.value or 0, n, cell) for n, (cell, investors) in enumerate(cells)
                         if investors >= MIN_INVESTORS), key=lambda item: item[:3])
    while candidates and (len(hidden) == 1 or max(hidden) < MIN_INVESTORS):  # sums may count a person twice
        investors, _value, _n, cell = candidates.pop(0)
        cell.hidden = complement_reason()
        hidden.append(investors)
