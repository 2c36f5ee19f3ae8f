from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from jingzhun.core.audit import audit

from .models import RoleAssignment


@transaction.atomic
def user_create(*, actor, username: str, password: str, role: str, area, full_name: str = "", expires_on=None):
    User = get_user_model()
    user = User.objects.create_user(username=username, password=password, first_name=full_name)
    assignment = RoleAssignment.objects.create(user=user, role=role, area=area, expires_on=expires_on)
    audit(actor=actor, action="user.create", obj=user, area_code=area.code,
          changes={"username": [None, username], "role": [None, role], "area": [None, area.code]})
    return user, assignment


@transaction.atomic
def token_issue(*, actor):
    """The user's API token (created on first request); every issue is audited."""
    from rest_framework.authtoken.models import Token

    token, created = Token.objects.get_or_create(user=actor)
    audit(actor=actor, action="token.issue", obj=actor, changes={"created": [None, created]})
    return token
