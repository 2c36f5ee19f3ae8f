"""The pairing ledgers besides funds and projects (issue 6): secondments, training sessions, labour transfers,
vocational students, enterprise investments and purchases.

Every row belongs to a partnership and is dated (a secondment's start, a session's first day, a transfer's
departure, a student's enrolment, an investment's signing, a purchase's invoice); rollups count rows whose date
falls in the period.  Scope follows the partnership: a row is visible to users who see either side.

Persons trained, placed or enrolled are linked to the registry where known.  ``registered`` on a link is the
person's household status on the record's date, fixed when the link is written: true when the household was
registered (建档立卡: poor, returned or exited, ``REGISTERED_EVER``) that day.  It is stored, not recomputed, so a
total reported for a past year does not change when a household's status changes later.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import VIEW

from .core import CENT, Partnership


def uscc_error(reason: str) -> str:
    """The translated message for an invalid unified social credit code (reason from ``registry.identity``)."""
    return {
        "length": gettext("A unified social credit code has 18 characters."),
        "format": gettext("A unified social credit code contains only digits and the upper-case letters A-H, J-N, P, Q, R, T, U, W, X, Y."),
        "checksum": gettext("The check character (last character) of the unified social credit code is wrong: check for a mistyped character."),
    }.get(reason, gettext("Enter a valid unified social credit code."))


def _clean_uscc(record: models.Model, field: str, errors: dict) -> None:
    from jingzhun.registry.identity import InvalidUSCC, parse_uscc

    value = getattr(record, field)
    if not value:
        return
    try:
        setattr(record, field, parse_uscc(value))
    except InvalidUSCC as exc:
        errors[field] = uscc_error(exc.reason)


def _clean_amount(record: models.Model, errors: dict, field: str = "amount") -> None:
    value = getattr(record, field)
    if not isinstance(value, Decimal):
        return
    if value <= 0:
        errors[field] = gettext("The amount must be positive.")
    elif value != value.quantize(CENT):
        errors[field] = gettext("The amount has at most two decimal places.")


def _clean_positive(record: models.Model, field: str, errors: dict) -> None:
    value = getattr(record, field)
    if isinstance(value, int) and value <= 0:
        errors[field] = gettext("The number must be positive.")


class LedgerQuerySet(models.QuerySet):
    """Rows whose partnership the user sees (either side's area in scope)."""

    def visible_to(self, user, action: str = VIEW):
        return self.filter(partnership__in=Partnership.objects.visible_to(user, action).values("pk"))


class LedgerRecord(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+", verbose_name=_("partnership"))
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["date", "id"]

    def clean_record(self) -> dict:
        """Field errors common to every ledger: the date inside the partnership's period, an end date not before it."""
        errors = {}
        if self.partnership_id and self.date and not self.partnership.covers(self.date):
            errors["date"] = gettext("The date is outside the partnership's period.")
        end = getattr(self, "end_date", None)
        if end and self.date and end < self.date:
            errors["end_date"] = gettext("The end date is before the start date.")
        return errors

    def clean(self) -> None:
        errors = self.clean_record()
        if errors:
            raise ValidationError(errors)


class Direction(models.TextChoices):
    EAST_TO_WEST = "east_to_west", _("Sent by the eastern side")
    WEST_TO_EAST = "west_to_east", _("Sent by the western side (to learn in the east)")


class SecondmentKind(models.TextChoices):
    CADRE = "cadre", _("Party and government cadre")
    TECHNICIAN = "technician", _("Professional and technical staff")


class Specialty(models.TextChoices):
    ADMINISTRATION = "administration", pgettext_lazy("specialty", "Administration")
    EDUCATION = "education", _("Education (teacher)")
    HEALTH = "health", _("Health (doctor, nurse)")
    AGRICULTURE = "agriculture", _("Agriculture (agronomist, veterinarian)")
    ENGINEERING = "engineering", _("Engineering and planning")
    COMMERCE = "commerce", _("Commerce and e-commerce")
    OTHER = "other", _("Other")


class Secondment(LedgerRecord):
    """A cadre or technician sent for a term (挂职/支援); ``date`` is the first day of the term."""

    end_date = models.DateField(_("end date"), null=True, blank=True)
    person_name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=SecondmentKind.choices)
    specialty = models.CharField(_("specialty"), max_length=16, choices=Specialty.choices)
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices, default=Direction.EAST_TO_WEST)
    home_unit = models.CharField(_("home unit"), max_length=200)
    post = models.CharField(_("post"), max_length=200)

    class Meta(LedgerRecord.Meta):
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        indexes = [models.Index(fields=["partnership", "date"], name="secondment_pair_date")]
        constraints = [models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="secondment_period_ordered")]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.home_unit})"


class TrainingKind(models.TextChoices):
    CADRE = "cadre", _("Cadre training")
    TECHNICIAN = "technician", _("Technician training")
    LABOUR_SKILLS = "labour_skills", _("Vocational skills training for workers")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneurship and business leaders")
    OTHER = "other", _("Other")


class TrainingSession(LedgerRecord):
    """A training session; ``trainees`` is the number trained (person-times), of whom some are linked to the registry."""

    end_date = models.DateField(_("end date"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=TrainingKind.choices)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    trainees = models.PositiveIntegerField(_("trainees"))

    class Meta(LedgerRecord.Meta):
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [models.Index(fields=["partnership", "date"], name="training_pair_date")]
        constraints = [
            models.CheckConstraint(condition=Q(trainees__gt=0), name="training_trainees_positive"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="training_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"

    def clean(self) -> None:
        errors = self.clean_record()
        _clean_positive(self, "trainees", errors)
        if errors:
            raise ValidationError(errors)


class Trainee(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="trainee_links", verbose_name=_("training session"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    registered = models.BooleanField(_("registered poor on the date"))

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="uniq_trainee")]
        indexes = [models.Index(fields=["person"], name="trainee_person")]


class Transport(models.TextChoices):
    NONE = "none", _("None")
    BUS = "bus", _("Chartered bus")
    TRAIN = "train", _("Chartered train")
    FLIGHT = "flight", _("Chartered flight")
    SUBSIDY = "subsidy", _("Travel subsidy")


class LabourTransfer(LedgerRecord):
    """Workers from the western side placed in jobs (劳务协作); ``date`` is the day they left."""

    workers = models.PositiveIntegerField(_("workers placed"))
    destination_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("destination area"))
    destination = models.CharField(_("destination"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=200)
    employer_uscc = models.CharField(_("employer's unified social credit code"), max_length=18, blank=True)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices, default=Transport.NONE)

    class Meta(LedgerRecord.Meta):
        verbose_name = _("labour transfer")
        verbose_name_plural = _("labour transfers")
        indexes = [models.Index(fields=["partnership", "date"], name="labour_pair_date")]
        constraints = [models.CheckConstraint(condition=Q(workers__gt=0), name="labour_workers_positive")]

    def __str__(self) -> str:
        return f"{self.employer} ({self.date})"

    def clean(self) -> None:
        errors = self.clean_record()
        _clean_positive(self, "workers", errors)
        _clean_uscc(self, "employer_uscc", errors)
        if errors:
            raise ValidationError(errors)


class PlacedWorker(models.Model):
    transfer = models.ForeignKey(LabourTransfer, on_delete=models.CASCADE, related_name="worker_links", verbose_name=_("labour transfer"))
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    registered = models.BooleanField(_("registered poor on the date"))

    class Meta:
        verbose_name = _("placed worker")
        verbose_name_plural = _("placed workers")
        constraints = [models.UniqueConstraint(fields=["transfer", "person"], name="uniq_placed_worker")]
        indexes = [models.Index(fields=["person"], name="placed_worker_person")]


class VocationalStudent(LedgerRecord):
    """A student from the western side enrolled in a vocational school (东西部职业教育协作); ``date`` is enrolment."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=50)
    school = models.CharField(_("school"), max_length=200)
    major = models.CharField(_("major"), max_length=100)
    end_date = models.DateField(_("graduation date"), null=True, blank=True)
    employed = models.BooleanField(_("employed after graduation"), default=False)
    registered = models.BooleanField(_("registered poor on the date"), default=False)

    class Meta(LedgerRecord.Meta):
        verbose_name = _("vocational student")
        verbose_name_plural = _("vocational students")
        indexes = [models.Index(fields=["partnership", "date"], name="student_pair_date"), models.Index(fields=["person"], name="student_person")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="student_period_ordered"),
            models.UniqueConstraint(fields=["partnership", "person", "school"], name="uniq_student_school"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school})"

    def clean(self) -> None:
        errors = self.clean_record()
        if self.person_id and self.partnership_id and not self.person.area_id.startswith(self.partnership.west_area.prefix):
            errors["person"] = gettext("The person does not live in the partnership's western area.")
        if errors:
            raise ValidationError(errors)


class EnterpriseInvestment(LedgerRecord):
    """An eastern enterprise investing on the western side; ``date`` is the contract date."""

    enterprise = models.CharField(_("enterprise"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area invested in"))
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount invested (yuan)"), max_digits=16, decimal_places=2)
    jobs = models.PositiveIntegerField(_("jobs created"), default=0)
    poor_employed = models.PositiveIntegerField(_("registered poor employed"), default=0)

    class Meta(LedgerRecord.Meta):
        verbose_name = _("enterprise investment")
        verbose_name_plural = _("enterprise investments")
        indexes = [models.Index(fields=["partnership", "date"], name="investment_pair_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="investment_amount_positive"),
            models.CheckConstraint(condition=Q(poor_employed__lte=models.F("jobs")), name="investment_poor_within_jobs"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.amount}"

    def clean(self) -> None:
        errors = self.clean_record()
        _clean_uscc(self, "uscc", errors)
        _clean_amount(self, errors)
        if self.area_id and self.partnership_id and not self.area_id.startswith(self.partnership.west_area.prefix):
            errors["area"] = gettext("The area invested in must lie in the partnership's western area.")
        if isinstance(self.jobs, int) and isinstance(self.poor_employed, int) and self.poor_employed > self.jobs:
            errors["poor_employed"] = gettext("The registered poor employed cannot exceed the jobs created.")
        if errors:
            raise ValidationError(errors)


class PurchaseChannel(models.TextChoices):
    DIRECT = "direct", _("Direct purchase")
    UNION = "union", _("Trade-union purchase")
    CANTEEN = "canteen", _("Canteens of public bodies")
    ECOMMERCE = "ecommerce", _("E-commerce")
    FAIR = "fair", _("Trade fair or outlet")
    OTHER = "other", _("Other")


class Purchase(LedgerRecord):
    """A purchase of products from the western side (消费扶贫); ``date`` is the invoice date."""

    buyer = models.CharField(_("buyer"), max_length=200)
    buyer_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("buyer's area"))
    product = models.CharField(_("product"), max_length=200)
    product_code = models.CharField(_("certified product number"), max_length=50, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=PurchaseChannel.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)

    class Meta(LedgerRecord.Meta):
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        indexes = [models.Index(fields=["partnership", "date"], name="purchase_pair_date")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="purchase_amount_positive")]

    def __str__(self) -> str:
        return f"{self.product} {self.amount}"

    def clean(self) -> None:
        errors = self.clean_record()
        _clean_amount(self, errors)
        east = self.partnership.east_area if self.partnership_id else None
        if self.buyer_area_id and east is not None and not self.buyer_area_id.startswith(east.prefix):
            errors["buyer_area"] = gettext("The buyer's area must lie in the partnership's eastern area.")
        if errors:
            raise ValidationError(errors)
