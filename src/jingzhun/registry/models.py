"""The register of poor households (建档立卡): households, persons, memberships, incomes."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingzhun.core.fields import CodeField
from jingzhun.core.scoping import scoped_queryset

from . import choices as c

MONEY = dict(max_digits=14, decimal_places=2, default=0)


class Household(models.Model):
    number = CodeField(_("household number"), max_length=20, unique=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"), db_index=False)
    head = models.ForeignKey("Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("head"))
    head_name = models.CharField(_("head's name"), max_length=50, blank=True)
    size = models.PositiveSmallIntegerField(_("members"), default=0)
    status = models.CharField(_("poverty status"), max_length=10, choices=c.PovertyStatus.choices, default=c.PovertyStatus.NOT_REGISTERED)
    registered_year = models.PositiveSmallIntegerField(_("registered in"), null=True, blank=True)
    exited_year = models.PositiveSmallIntegerField(_("exited in"), null=True, blank=True)
    identification_standard = models.CharField(_("identification standard"), max_length=12, choices=c.IdentificationStandard.choices, default=c.IdentificationStandard.NATIONAL)
    household_type = models.CharField(_("household type"), max_length=10, choices=c.HouseholdType.choices, default=c.HouseholdType.GENERAL)
    main_cause = models.CharField(_("main cause of poverty"), max_length=12, choices=c.Cause.choices, blank=True)
    secondary_cause_1 = models.CharField(_("secondary cause"), max_length=12, choices=c.Cause.choices, blank=True)
    secondary_cause_2 = models.CharField(_("second secondary cause"), max_length=12, choices=c.Cause.choices, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=30, blank=True)
    housing_area = models.DecimalField(_("housing area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True)
    housing_structure = models.CharField(_("housing structure"), max_length=16, choices=c.HousingStructure.choices, blank=True)
    housing_year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    housing_grade = models.CharField(_("housing safety grade"), max_length=1, choices=c.HousingGrade.choices, blank=True)
    relocated = models.BooleanField(_("relocated (易地扶贫搬迁)"), default=False)
    has_electricity = models.BooleanField(_("electricity for living"), default=True)
    cooking_fuel = models.CharField(_("cooking fuel"), max_length=12, choices=c.CookingFuel.choices, blank=True)
    water_source = models.CharField(_("drinking water source"), max_length=12, choices=c.WaterSource.choices, blank=True)
    water_safe = models.BooleanField(_("safe drinking water"), default=True)
    food_secure = models.BooleanField(_("stable, sufficient food source"), default=True)
    clothing_secure = models.BooleanField(_("clothing for each season"), default=True)
    in_cooperative = models.BooleanField(_("member of a cooperative"), default=False)
    in_mutual_aid_fund = models.BooleanField(_("in a mutual-aid fund"), default=False)
    in_industry = models.BooleanField(_("takes part in an assisted industry"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_queryset("area__code").as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        # Scope is a prefix of the area code: one pattern_ops index (equality and LIKE 'x%' on PostgreSQL).
        indexes = [
            models.Index(fields=["area"], name="household_area_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["area", "status"], name="household_area_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(secondary_cause_1=models.F("main_cause")) | Q(main_cause=""), name="household_secondary_not_main"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"


class Person(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("household"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("village"), db_index=False)
    relation = models.CharField(_("relation to head"), max_length=14, choices=c.Relation.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=120)
    name_initials = models.CharField(_("initials"), max_length=20)
    id_number = CodeField(_("identity number"), max_length=18)
    sex = models.CharField(_("sex"), max_length=1, choices=c.Sex.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=c.ETHNICITY_CHOICES, default="01")
    education = models.CharField(_("education"), max_length=14, choices=c.Education.choices, blank=True)
    student_status = models.CharField(_("student status"), max_length=12, choices=c.StudentStatus.choices, default=c.StudentStatus.NOT_STUDENT)
    health = models.CharField(_("health"), max_length=10, choices=c.Health.choices, default=c.Health.HEALTHY)
    labour_ability = models.CharField(_("labour ability"), max_length=8, choices=c.LabourAbility.choices, default=c.LabourAbility.NORMAL)
    work_status = models.CharField(_("work status"), max_length=14, choices=c.WorkStatus.choices, blank=True)
    months_away = models.PositiveSmallIntegerField(_("months worked away"), default=0, validators=[MaxValueValidator(12)])
    medical_insurance = models.BooleanField(_("basic medical insurance"), default=True)
    serious_illness_insurance = models.BooleanField(_("serious-illness insurance"), default=True)
    pension_insurance = models.BooleanField(_("pension insurance"), default=False)
    dibao = models.BooleanField(_("minimum living guarantee (低保)"), default=False)
    tekun = models.BooleanField(_("extreme-hardship support (特困)"), default=False)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_queryset("area__code").as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]
        # Search is by prefix: one varchar_pattern_ops index per column serves LIKE 'x%' and equality on
        # PostgreSQL (elsewhere the opclass is ignored and a range query uses the plain index).
        indexes = [
            models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="person_pinyin_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="person_initials_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["area"], name="person_area_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # One index for the rule and for lookups by number (=, IN, and LIKE 'x%' in the C collation): the
            # living share the key (number, 0001-01-01), so a number belongs to one living person; a dead
            # person's key carries the date of death (the same death is not recorded twice).  It replaces a
            # partial unique index on the living plus a full index on the number: one index less to maintain
            # on the largest table (and to build after a bulk load: 0.8 s of 1.6 s at 1 million persons).
            models.UniqueConstraint(F("id_number"), Coalesce("death_date", Value(dt.date(1, 1, 1))),
                                    name="uniq_id_number_living_or_death_date",
                                    violation_error_message=_("This identity number is already registered.")),
            models.CheckConstraint(condition=Q(months_away__lte=12), name="person_months_away_le_12"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        from .identity import mask

        return mask(self.id_number)


class Membership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("relation to head"), max_length=14, choices=c.Relation.choices)
    start_date = models.DateField(pgettext_lazy("membership", "from"))
    start_reason = models.CharField(_("joined by"), max_length=14, choices=c.MembershipChange.choices)
    end_date = models.DateField(pgettext_lazy("membership", "to"), null=True, blank=True)
    end_reason = models.CharField(_("left by"), max_length=14, choices=c.MembershipChange.choices, blank=True)

    objects = scoped_queryset("household__area__code").as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(end_date__isnull=True), name="one_open_membership_per_person"),
        ]


class IncomeRecord(models.Model):
    """A household's income for one year, by component (DOMAIN.md section 5); totals from `income.compute`."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes", db_index=False)  # (household, year) is unique
    year = models.PositiveSmallIntegerField(_("year"))
    members = models.PositiveSmallIntegerField(_("household size"))
    wages = models.DecimalField(_("wage income"), **MONEY)
    business = models.DecimalField(_("household business income (gross)"), **MONEY)
    subsidies = models.DecimalField(_("policy subsidies"), **MONEY)
    dibao = models.DecimalField(_("minimum living guarantee"), **MONEY)
    pensions = models.DecimalField(_("pensions"), **MONEY)
    eco_compensation = models.DecimalField(_("ecological compensation"), **MONEY)
    other_transfers = models.DecimalField(_("other transfer income"), **MONEY)
    property_income = models.DecimalField(_("property income (incl. dividends)"), **MONEY)
    production_costs = models.DecimalField(_("production costs"), **MONEY)
    gross = models.DecimalField(_("gross income"), **MONEY)
    net = models.DecimalField(_("net income"), **MONEY)
    per_capita = models.DecimalField(_("per-capita net income"), **MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_queryset("household__area__code").as_manager()

    class Meta:
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        ordering = ["household_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_income_per_household_year"),
            models.CheckConstraint(condition=Q(members__gte=1), name="income_members_ge_1"),
        ]


class StatusChange(models.Model):
    """One row per change of a household's poverty status (from, to, effective date, procedure, actor)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(pgettext_lazy("status", "from"), max_length=10, choices=c.PovertyStatus.choices)
    to_status = models.CharField(pgettext_lazy("status", "to"), max_length=10, choices=c.PovertyStatus.choices)
    effective_date = models.DateField(_("effective date"), db_index=True)
    procedure = models.CharField(_("procedure"), max_length=40, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_queryset("household__area__code").as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["effective_date", "id"]
