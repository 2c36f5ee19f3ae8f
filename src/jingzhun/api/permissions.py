"""Permissions that are roles, not area scope. Area scope is enforced by the querysets (404), see views.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from jingzhun.accounts.models import Role
from jingzhun.accounts.selectors import active_assignments


def is_policy_writer(user) -> bool:
    """Superusers and holders of an unexpired national-office role set poverty and monitoring lines."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or active_assignments(user).filter(role=Role.NATIONAL).exists()


class PolicyWriterOrReadOnly(BasePermission):
    """Lines are public reference data: any signed-in user reads them; writing is refused with 403.

    403 (not 404) because nothing is hidden: the caller can read the very line they may not change.
    """

    message = _("Only the national office may set poverty and monitoring lines.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_policy_writer(request.user)
