"""Who wants to know when what counts changes: a results framework confirmed or reopened, a value's status.

The dashboards keep a summary of counted values and confirmed targets; impact must not import them, so they
register here. Each observer is called inside the transaction that made the change.
"""

from __future__ import annotations

from collections.abc import Callable

# observer(framework_id, project_indicator_id): the indicator whose value changed, or None for the whole framework
Observer = Callable[[int, "int | None"], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    if observer not in _observers:
        _observers.append(observer)


def announce(framework_id: int, project_indicator_id: int | None = None) -> None:
    for observer in _observers:
        observer(framework_id, project_indicator_id)
