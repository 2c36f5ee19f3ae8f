from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from jingzhun.core.scoping import code_prefix

from .models import ROLE_ACTIONS, Role, RoleAssignment


def active_assignments(user):
    today = timezone.localdate()
    return (
        RoleAssignment.objects.filter(user=user)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("area")
    )


def scope_prefixes_by_action(user) -> dict[str, list[str]]:
    """{action: [code prefix, ...]} from the user's unexpired role assignments."""
    out: dict[str, set[str]] = {}
    for ra in active_assignments(user):
        # The national office's scope is the whole country, whatever area its assignment names.
        prefix = "" if ra.role == Role.NATIONAL else code_prefix(ra.area.code, ra.area.level)
        for action in ROLE_ACTIONS.get(ra.role, ()):
            out.setdefault(action, set()).add(prefix)
    # Drop prefixes already covered by a shorter one.
    return {a: sorted(p for p in ps if not any(p != q and p.startswith(q) for q in ps)) for a, ps in out.items()}


def is_national(user) -> bool:
    return bool(user.is_superuser or active_assignments(user).filter(role=Role.NATIONAL).exists())


def home_area(user):
    """The widest area the user works in (for the landing page)."""
    ras = sorted(active_assignments(user), key=lambda ra: ra.area.level)
    return ras[0].area if ras else None
