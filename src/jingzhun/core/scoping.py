"""Area scope: every area-bound queryset answers `visible_to(user, action)`.

Scope is a code prefix. A 12-digit statistical code carries its whole path (2 province,
2 prefecture, 2 county, 3 township, 3 village digits), so "inside my area" is
`area_code LIKE 'prefix%'` on an indexed column, with no join to the area tree.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

VIEW, CHANGE, UNMASK, AUDIT = "view", "change", "unmask", "audit"
SIGNIFICANT_DIGITS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def code_prefix(code: str, level: int) -> str:
    return code[: SIGNIFICANT_DIGITS[level]]


def user_prefixes(user, action: str) -> list[str] | None:
    """Code prefixes the user may act on; None means everywhere (superuser)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return None
    cache = getattr(user, "_jingzhun_scope", None)
    if cache is None:
        from jingzhun.accounts.selectors import scope_prefixes_by_action

        cache = user._jingzhun_scope = scope_prefixes_by_action(user)
    return cache.get(action, [])


def in_scope(user, area_code: str, action: str) -> bool:
    """Whether the user may take `action` on records of the area (no query beyond the cached prefixes)."""
    prefixes = user_prefixes(user, action)
    return prefixes is None or any(area_code.startswith(p) for p in prefixes)


def require_scope(actor, area_code: str, action: str = CHANGE) -> None:
    """Raise PermissionDenied unless the actor may `action` in the area (actor None = the system itself)."""
    if actor is not None and not in_scope(actor, area_code, action):
        raise PermissionDenied(_("This area is outside your responsibility."))


def prefix_q(prefixes, *fields: str) -> Q:
    """Any of the `fields` (lookup paths of 12-digit area codes) starting with any of the `prefixes`."""
    condition = Q()
    for field in fields:
        for prefix in prefixes:
            condition |= Q(**{f"{field}__startswith": prefix})
    return condition


class ScopedQuerySet(models.QuerySet):
    """Set `area_field` to the lookup path of the 12-digit area code column."""

    area_field = "area__code"

    def visible_to(self, user, action: str = VIEW):
        prefixes = user_prefixes(user, action)
        if prefixes is None:
            return self
        if not prefixes:
            return self.none()
        return self.filter(prefix_q(prefixes, self.area_field))


def scoped_queryset(area_field: str) -> type[ScopedQuerySet]:
    return type(f"ScopedQuerySet_{area_field}", (ScopedQuerySet,), {"area_field": area_field})


def get_visible_or_404(user, model_or_qs, action: str = VIEW, **lookup):
    """404 for missing and for forbidden alike: never reveal that a record exists elsewhere."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.visible_to(user, action).get(**lookup)
    except (qs.model.DoesNotExist, ValueError):
        raise Http404 from None
