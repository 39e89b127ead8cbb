"""The one permission check: may this user do this to this object, given its organisation scope?

Every object that belongs to organisations exposes `organisation_scope_ids` (a set of organisation
ids) or an `organisation_id`; an Organisation is its own scope. Admins (members of the platform
operator) may do everything; others need a membership in one of the object's organisations, and a
manager membership to manage. Foreign objects answer 404, so their existence is not revealed.
"""

from __future__ import annotations

from flask import abort

VIEW, EDIT, MANAGE = "view", "edit", "manage"
_RANK = {"member": 1, "manager": 2}
_NEEDED = {VIEW: 1, EDIT: 1, MANAGE: 2}


def scope_of(obj) -> set[int]:
    if hasattr(obj, "organisation_scope_ids"):
        return set(obj.organisation_scope_ids)
    if hasattr(obj, "organisation_id"):
        return {obj.organisation_id}
    raise TypeError(f"{type(obj).__name__} has no organisation scope")


def role_rank(user, organisation_ids: set[int]) -> int:
    """The highest membership rank the user holds in any of the organisations (0 = none)."""
    return max(
        (
            _RANK[m.role]
            for m in user.memberships
            if m.organisation_id in organisation_ids and m.organisation.is_active
        ),
        default=0,
    )


def can(user, action: str, obj) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return role_rank(user, scope_of(obj)) >= _NEEDED[action]


def authorize(user, action: str, obj) -> None:
    """Abort with 404 when the user may not even see the object, 403 when they may see but not act."""
    if can(user, action, obj):
        return
    abort(404 if not can(user, VIEW, obj) else 403)


def managed_organisation_ids(user) -> set[int]:
    return {m.organisation_id for m in user.memberships if m.role == "manager" and m.organisation.is_active}
