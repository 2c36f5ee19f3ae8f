"""Imports: a batch (one uploaded file), its issues, and the staging tables its rows are validated into.

Nothing reaches the registry before the user confirms; the merge then copies staged rows set-based, in
chunks of households (by number), each chunk one transaction that also advances the cursor (an interrupted
merge resumes after the last committed chunk; the statements are idempotent upserts, so a rerun from the
start ends with the same rows).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.fields import CodeField
from jingzhun.core.scoping import scoped_queryset
from jingzhun.registry import choices as c


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Validating")
    INVALID = "invalid", _("Errors found")
    VALIDATED = "validated", _("Ready to merge")
    MERGING = "merging", _("Merging")
    MERGED = "merged", _("Merged")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    # The importer's area (the report is visible in it); null for an operator's national import from the CLI.
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    path = models.CharField(_("file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    layout = models.CharField(_("layout"), max_length=12, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    merge_cursor = models.BigIntegerField(default=0)  # households merged so far (incomes: the last staged income id merged)
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_queryset("area__code").as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"


class ImportIssue(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    sheet = models.CharField(max_length=31, blank=True)
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=7)
    value = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["batch", "row", "id"]
        indexes = [models.Index(fields=["batch", "code"]), models.Index(fields=["batch", "row"])]


STAGING_NOTE = """The staging tables are scratch space: on PostgreSQL they are UNLOGGED (no write-ahead log: a COPY into them
costs half as much, and a database crash empties them, which ``import_merge`` detects and answers with "validate
again") and their batch column has no foreign-key constraint (a constraint trigger per staged row; deleting a
batch still deletes its staged rows, through Django's cascade)."""


class MergedChunk(models.Model):
    """A chunk of a batch merged into the register, committed with it (a resumed merge skips it)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="merged_chunks")
    index = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="one_merge_per_chunk")]


def _nullable(field: models.Field) -> models.Field:
    field.null = True
    field.blank = True
    return field


class StagedHousehold(models.Model):
    """One household of the file (from the households sheet, or from its head's row in the flat layout)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+", db_constraint=False)  # see STAGING_NOTE
    sheet = models.CharField(max_length=31, blank=True)
    row = models.PositiveIntegerField()
    number = CodeField(max_length=20)
    village = models.CharField(max_length=12)
    status = _nullable(models.CharField(max_length=10, choices=c.PovertyStatus.choices))
    registered_year = models.PositiveSmallIntegerField(null=True)
    exited_year = models.PositiveSmallIntegerField(null=True)
    identification_standard = _nullable(models.CharField(max_length=12))
    household_type = _nullable(models.CharField(max_length=10))
    main_cause = _nullable(models.CharField(max_length=12))
    secondary_cause_1 = _nullable(models.CharField(max_length=12))
    secondary_cause_2 = _nullable(models.CharField(max_length=12))
    address = _nullable(models.CharField(max_length=200))
    phone = _nullable(models.CharField(max_length=20))
    bank_account = _nullable(models.CharField(max_length=30))
    housing_area = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    housing_structure = _nullable(models.CharField(max_length=16))
    housing_year_built = models.PositiveSmallIntegerField(null=True)
    housing_grade = _nullable(models.CharField(max_length=1))
    relocated = models.BooleanField(null=True)
    has_electricity = models.BooleanField(null=True)
    cooking_fuel = _nullable(models.CharField(max_length=12))
    water_source = _nullable(models.CharField(max_length=12))
    water_safe = models.BooleanField(null=True)
    food_secure = models.BooleanField(null=True)
    clothing_secure = models.BooleanField(null=True)
    in_cooperative = models.BooleanField(null=True)
    in_mutual_aid_fund = models.BooleanField(null=True)
    in_industry = models.BooleanField(null=True)
    household_size = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "number"])]


class StagedPerson(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+", db_constraint=False)  # see STAGING_NOTE
    sheet = models.CharField(max_length=31, blank=True)
    row = models.PositiveIntegerField()
    household_number = CodeField(max_length=20)
    relation = models.CharField(max_length=14, null=True)  # null: the cell had an error (reported); such a batch is never merged
    name = models.CharField(max_length=50, null=True)
    name_pinyin = models.CharField(max_length=120)
    name_initials = models.CharField(max_length=20)
    id_number = CodeField(max_length=18)
    sex = models.CharField(max_length=1)
    birth_date = models.DateField()
    ethnicity = _nullable(models.CharField(max_length=2))
    education = _nullable(models.CharField(max_length=14))
    student_status = _nullable(models.CharField(max_length=12))
    health = _nullable(models.CharField(max_length=10))
    labour_ability = _nullable(models.CharField(max_length=8))
    work_status = _nullable(models.CharField(max_length=14))
    months_away = models.PositiveSmallIntegerField(null=True)
    medical_insurance = models.BooleanField(null=True)
    serious_illness_insurance = models.BooleanField(null=True)
    pension_insurance = models.BooleanField(null=True)
    person_dibao = models.BooleanField(null=True)
    tekun = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "household_number"]), models.Index(fields=["batch", "id_number"])]


class StagedIncome(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+", db_constraint=False)  # see STAGING_NOTE
    sheet = models.CharField(max_length=31, blank=True)
    row = models.PositiveIntegerField()
    household_number = CodeField(max_length=20)
    year = models.PositiveSmallIntegerField()
    members = models.PositiveSmallIntegerField()
    wages = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    business = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    subsidies = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    dibao = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    pensions = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    eco_compensation = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    other_transfers = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    property_income = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    production_costs = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "household_number"])]
