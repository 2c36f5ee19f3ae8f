"""One FilterSet for households, used by the web list and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from . import choices as c
from .models import Household
from .selectors import household_list


class HouseholdFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(label=_("Area code"), method="noop")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=c.PovertyStatus.choices, method="noop")
    cause = django_filters.ChoiceFilter(label=_("Cause of poverty"), choices=c.Cause.choices, method="noop")
    year = django_filters.NumberFilter(label=_("Registered in"), method="noop")
    q = django_filters.CharFilter(label=_("Name, pinyin, initials or ID number"), method="noop")

    class Meta:
        model = Household
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset

    @property
    def qs(self):
        """All filters go through the selector, which starts from the user's scope."""
        if not hasattr(self, "_qs"):
            data = {}
            if self.is_bound:
                self.form.is_valid()  # fills cleaned_data with the valid fields: year=abc drops only the year
                data = self.form.cleaned_data
            user = getattr(self.request, "user", None)
            self._qs = household_list(
                user,
                area_code=data.get("area") or "",
                status=data.get("status") or "",
                cause=data.get("cause") or "",
                year=int(data["year"]) if data.get("year") else None,
                query=data.get("q") or "",
            )
        return self._qs
