"""Users hold role assignments: a role, an area, an optional expiry."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import AUDIT, CHANGE, UNMASK, VIEW


class Role(models.TextChoices):
    NATIONAL = "national", _("National office")
    PROVINCE = "province", _("Province office")
    PREFECTURE = "prefecture", _("Prefecture office")
    COUNTY = "county", _("County poverty office")
    TOWNSHIP = "township", _("Township officer")
    VILLAGE = "village", _("Village cadre")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")


# What each role may do inside its area. Officials at county level and above may
# see full identity numbers (audited); analysts see masked data only.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.NATIONAL: frozenset({VIEW, CHANGE, UNMASK, AUDIT}),
    Role.PROVINCE: frozenset({VIEW, CHANGE, UNMASK, AUDIT}),
    Role.PREFECTURE: frozenset({VIEW, CHANGE, UNMASK, AUDIT}),
    Role.COUNTY: frozenset({VIEW, CHANGE, UNMASK, AUDIT}),
    Role.TOWNSHIP: frozenset({VIEW, CHANGE, UNMASK}),
    Role.VILLAGE: frozenset({VIEW, CHANGE, UNMASK}),
    Role.ANALYST: frozenset({VIEW}),
    Role.AUDITOR: frozenset({VIEW, AUDIT}),
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "area"], name="uniq_role_assignment")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.area_id}"
