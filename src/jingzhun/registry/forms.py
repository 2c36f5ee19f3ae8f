"""Forms of the register's web pages: rendering and parsing only.

The forms take their fields (labels, choices, widgets) from the models but never validate or save a
model: every save goes through `registry.services`, and the service's ValidationError is mapped back
onto the form's fields with `add_service_errors`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import choices as c
from .income import COMPONENTS
from .models import Household, IncomeRecord, Person
from .services import HOUSEHOLD_FIELDS, PERSON_FIELDS

PERSON_DATA_FIELDS = [f for f in PERSON_FIELDS if f != "relation"]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FieldsetsMixin:
    """`fieldsets = [(legend, [field, ...]), ...]`; templates loop over `form.grouped`."""

    fieldsets: list[tuple[str, list[str]]] = []

    def grouped(self):
        out = []
        for legend, names in self.fieldsets:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                out.append((legend, fields))
        return out


class ServiceModelForm(FieldsetsMixin, forms.ModelForm):
    """A ModelForm for field rendering and parsing; validation and saving belong to the service."""

    def _post_clean(self):
        # No model validation here: the service validates (and reports field errors we map back).
        pass

    def save(self, commit=True):  # pragma: no cover - guard against misuse
        raise NotImplementedError("Save through registry.services, not through the form.")


def add_service_errors(exc: ValidationError, form: forms.BaseForm, *, prefixed: dict[str, forms.BaseForm] | None = None) -> None:
    """Put a service's ValidationError onto form fields.

    Keys such as `head.id_number` go to the form registered under the prefix (`prefixed={"head": head_form}`);
    keys that name no field of the target form become non-field errors of that form.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.error_dict.items():
        target, field = form, key
        prefix, dot, rest = key.partition(".")
        if dot and prefixed and prefix in prefixed:
            target, field = prefixed[prefix], rest
        if field == NON_FIELD_ERRORS or field not in target.fields:
            target.add_error(None, [message for error in errors for message in error.messages])
        else:
            target.add_error(field, errors)


# --- households -----------------------------------------------------------------------------------

HOUSEHOLD_FIELDSETS = [
    (_("Identification"), ["status", "registered_year", "identification_standard", "household_type", "main_cause",
                           "secondary_cause_1", "secondary_cause_2"]),
    (_("Contact"), ["address", "phone", "bank_account"]),
    (_("Housing and living conditions"), ["housing_area", "housing_structure", "housing_year_built", "housing_grade",
                                          "relocated", "has_electricity", "cooking_fuel", "water_source", "water_safe",
                                          "food_secure", "clothing_secure"]),
    (_("Participation"), ["in_cooperative", "in_mutual_aid_fund", "in_industry"]),
]


class HouseholdForm(ServiceModelForm):
    """Edit a household's own data (`household_update`)."""

    fieldsets = HOUSEHOLD_FIELDSETS

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in HOUSEHOLD_FIELDS if name in self.cleaned_data}


class HouseholdRegisterForm(HouseholdForm):
    """The household part of `household_register` (the head comes from a `PersonForm` with prefix `head`)."""

    class Meta:
        model = Household
        fields = ["status", "registered_year", *HOUSEHOLD_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = c.PovertyStatus.POOR
        self.fields["registered_year"].initial = timezone.localdate().year

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "status": self.cleaned_data["status"],
                "registered_year": self.cleaned_data.get("registered_year")}


# --- persons --------------------------------------------------------------------------------------

PERSON_FIELDSETS = [
    (_("Identity"), ["name", "id_number", "sex", "birth_date", "ethnicity", "relation", "date", "reason"]),
    (_("Education and health"), ["education", "student_status", "health", "labour_ability"]),
    (_("Work"), ["work_status", "months_away"]),
    (_("Social security"), ["medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun"]),
]


class PersonForm(ServiceModelForm):
    """A person's registration data (head of a new household, `person_update`)."""

    fieldsets = PERSON_FIELDSETS

    class Meta:
        model = Person
        fields = PERSON_DATA_FIELDS
        widgets = {"birth_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        derived = _("Leave blank to take it from the identity number.")
        for name in ("sex", "birth_date"):
            self.fields[name].required = False
            self.fields[name].help_text = derived
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text", "maxlength": 18})
        self.fields["months_away"].widget.attrs.update({"min": 0, "max": 12})
        if self.instance.pk:
            # Never put the full identity number into the page: that would be an unaudited read.
            self.initial["id_number"] = ""
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("Currently %(masked)s. Leave blank to keep it.") % {
                "masked": self.instance.masked_id}
            self.fields["id_number"].widget.attrs["placeholder"] = self.instance.masked_id

    def person_data(self) -> dict:
        """The cleaned person fields as the services take them (blank ID on edit = unchanged)."""
        data = {name: self.cleaned_data.get(name) for name in PERSON_DATA_FIELDS if name in self.cleaned_data}
        for name in ("sex", "birth_date"):
            data[name] = data.get(name) or None
        if self.instance.pk and not data.get("id_number"):
            data.pop("id_number", None)
        if data.get("education") is None:
            data["education"] = ""
        if data.get("work_status") is None:
            data["work_status"] = ""
        return data


class MemberAddForm(PersonForm):
    """Add a member to a household (`person_add`): the person, the relation to the head, the date and reason."""

    REASONS = [c.MembershipChange.BIRTH, c.MembershipChange.MARRIAGE, c.MembershipChange.MOVE,
               c.MembershipChange.SPLIT, c.MembershipChange.CORRECTION]

    date = forms.DateField(label=_("Member since"), widget=DATE_WIDGET)
    reason = forms.ChoiceField(label=_("Joined by"))

    class Meta(PersonForm.Meta):
        fields = [*PERSON_DATA_FIELDS, "relation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [(v, label) for v, label in c.Relation.choices if v != c.Relation.HEAD]
        self.fields["reason"].choices = [(v, label) for v, label in c.MembershipChange.choices if v in self.REASONS]
        self.fields["date"].initial = timezone.localdate()
        self.order_fields([*PERSON_DATA_FIELDS[:4], "relation", "date", "reason"])


class DeathForm(FieldsetsMixin, forms.Form):
    death_date = forms.DateField(label=_("Date of death"), widget=DATE_WIDGET)
    fieldsets = [(_("Death"), ["death_date"])]


# --- incomes --------------------------------------------------------------------------------------

INCOME_FIELDSETS = [
    (_("Year"), ["year", "members"]),
    (_("Wage and business income"), ["wages", "business"]),
    (_("Transfer income"), ["subsidies", "dibao", "pensions", "eco_compensation", "other_transfers"]),
    (_("Property income and costs"), ["property_income", "production_costs"]),
]


class IncomeForm(ServiceModelForm):
    """One year's income by component (`income_set`); totals are computed by the service."""

    fieldsets = INCOME_FIELDSETS
    AMOUNTS = [*COMPONENTS, "production_costs"]

    class Meta:
        model = IncomeRecord
        fields = ["year", "members", *COMPONENTS, "production_costs"]

    def __init__(self, *args, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"min": 2000, "max": timezone.localdate().year})
        self.fields["members"].required = False
        self.fields["members"].help_text = _("Leave blank to use the current household size.")
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            if household is not None:
                self.fields["members"].widget.attrs["placeholder"] = household.size
        for name in self.AMOUNTS:
            field = self.fields[name]
            field.required = False
            field.widget.attrs.update({"step": "0.01", "min": "0", "inputmode": "decimal"})
        self.fields["production_costs"].help_text = _("Deducted from gross income.")

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.AMOUNTS}
        return {"year": self.cleaned_data["year"], "members": self.cleaned_data.get("members"),
                **{k: (v if v is not None else 0) for k, v in data.items()}}
