"""`GET api/measures/`: the poverty measures of every area of a level under an area, for a year.

The figures are ``analytics.selectors.area_measures`` (the table the web page, the CLI and the downloads show),
computed from a registry snapshot (DuckDB or Spark over its Parquet files) or from the live tables (PostgreSQL).

Answers:

* 200: ``{area, area_name, level, year, compare, backend, snapshot: {id, as_of, sha256: {year: hash}}, columns:
  [{key, label, kind}], rows: [...], total: {...}}`` (``export.metadata`` plus the table; rows as in ``to_json``);
* 400: a bad parameter, flat ``{field: [message]}`` like every 400 of the API (``year`` missing or not a number,
  ``level`` unknown or above the area, ``backend`` unknown or unavailable, ``snapshot`` not covering the request);
* 404: the area does not exist or is outside the caller's scope (one answer for both);
* 409: ``{"detail": message}`` when no snapshot covers the area and years (take one first: ``jingzhun snapshot``
  or the web page's button), or the snapshot cannot be read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jingzhun.analytics import export
from jingzhun.analytics.backends import BACKENDS
from jingzhun.analytics.selectors import AnalyticsError, area_measures, covering_snapshot
from jingzhun.areas.models import Area, Level, pad
from jingzhun.core.scoping import VIEW, get_visible_or_404

LEVEL_NAMES = {"province": Level.PROVINCE, "prefecture": Level.PREFECTURE, "county": Level.COUNTY,
               "township": Level.TOWNSHIP, "village": Level.VILLAGE}
KINDS = ["count", "share", "index", "money"]


class NoSnapshot(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("No snapshot covers this area and these years: take one first.")
    default_code = "no_snapshot"


@extend_schema_field({"oneOf": [{"type": "string", "enum": list(LEVEL_NAMES)}, {"type": "integer", "minimum": 1, "maximum": 5}]})
class LevelField(serializers.Field):
    """A level by its name (province ... village) or its number (1 ... 5)."""

    default_error_messages = {"invalid": _("Unknown level: use province, prefecture, county, township or village (or 1 to 5).")}

    def to_internal_value(self, data):
        text = str(data).strip().lower()
        if text in LEVEL_NAMES:
            return int(LEVEL_NAMES[text])
        if text.isdigit() and int(text) in Level.values:
            return int(text)
        self.fail("invalid")

    def to_representation(self, value):
        return int(value)


class MeasuresQuerySerializer(serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{2,12}$", help_text="Area code: 12 digits or its significant digits (522633)",
                                  error_messages={"invalid": _("An area code is 2 to 12 digits.")})
    level = LevelField(required=False, help_text="Level of the rows, at or below the area's: province, prefecture, county, "
                                                 "township, village or 1-5 (default: one level below the area; a village: itself)")
    year = serializers.IntegerField(min_value=1978, max_value=2100, help_text="Year of the figures")
    compare = serializers.IntegerField(min_value=1978, max_value=2100, required=False,
                                       help_text="A second year: adds `<key>_before` and `<key>_change` to every row")
    backend = serializers.ChoiceField(choices=BACKENDS, required=False,
                                      help_text="Engine (default: the server's ANALYTICS_BACKEND, duckdb)")
    snapshot = serializers.IntegerField(min_value=1, required=False,
                                        help_text="Snapshot id (default: the newest covering the area and years); not with postgres")

    def validate(self, attrs):
        if attrs.get("compare") is not None and attrs["compare"] == attrs["year"]:
            raise serializers.ValidationError({"compare": [_("Choose a year other than the year of the figures.")]})
        if attrs.get("backend") == "postgres" and attrs.get("snapshot") is not None:
            raise serializers.ValidationError({"snapshot": [_("The postgres backend reads the live registry, not a snapshot.")]})
        return attrs


class MeasureColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Key of the value in every row")
    label = serializers.CharField(help_text="Label in the request's language")
    kind = serializers.ChoiceField(choices=KINDS, help_text="count (persons), share (0-1), index, money (yuan)")


class SnapshotRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField(help_text="Date the registry was read")
    sha256 = serializers.DictField(child=serializers.CharField(), help_text="SHA-256 of the person-year file of each year used, by year")


@extend_schema_field({
    "type": "object",
    "properties": {"area": {"type": "string", "description": "12-digit code"}, "name": {"type": "string"}},
    "additionalProperties": {"type": "number", "nullable": True},
    "description": "`area`, `name` and one value per column key (null when not defined); with `compare`, also "
                   "`<key>_before` and `<key>_change`",
})
class MeasureRowField(serializers.DictField):
    pass


class MeasuresSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="12-digit code of the area")
    area_name = serializers.CharField()
    level = serializers.IntegerField(help_text="Level of the rows (1 province ... 5 village)")
    year = serializers.IntegerField()
    compare = serializers.IntegerField(allow_null=True)
    backend = serializers.ChoiceField(choices=BACKENDS)
    snapshot = SnapshotRefSerializer(allow_null=True, help_text="The snapshot read (null for postgres): a report can be reproduced from it")
    columns = MeasureColumnSerializer(many=True)
    rows = serializers.ListField(child=MeasureRowField(), help_text="One row per area of `level` under the area, by code")
    total = MeasureRowField(help_text="The area's own row")


class MeasuresView(APIView):
    @extend_schema(
        operation_id="measures_retrieve",
        summary="Poverty measures of the areas under an area",
        description=(
            "Population, registered poor, incidence, FGT P0-P2, Watts, Sen, SST, Gini, mean and median per-capita income, "
            "and H, A, M0 and the indicators' contributions for each dimension set, for every area of `level` under "
            "`area` in `year` (and the change since `compare`). Computed from a registry snapshot (duckdb, spark) or the "
            "live tables (postgres). 409 when no snapshot covers the area and years."
        ),
        parameters=[MeasuresQuerySerializer],
        responses={
            200: MeasuresSerializer,
            400: OpenApiResponse(description="A bad parameter: `{field: [message]}`"),
            404: OpenApiResponse(description="Not found, or outside your scope"),
            409: OpenApiResponse(description="No snapshot covers the area and years (`{detail}`)"),
        },
    )
    def get(self, request):
        query = MeasuresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        area = get_visible_or_404(request.user, Area, VIEW, code=pad(q["area"]))
        level = q.get("level") or min(area.level + 1, Level.VILLAGE)
        if level < area.level:
            raise exceptions.ValidationError({"level": [_("Choose a level at or below the area's own level (%(level)s).")
                                                        % {"level": area.get_level_display()}]})
        backend = q.get("backend") or settings.ANALYTICS_BACKEND
        if backend == "postgres" and connection.vendor != "postgresql":
            raise exceptions.ValidationError({"backend": [_("The postgres backend needs the system to run on PostgreSQL.")]})
        years = [q["year"]] + ([q["compare"]] if q.get("compare") is not None else [])
        snapshot_id = q.get("snapshot")
        if backend != "postgres":
            try:
                snapshot_id = covering_snapshot(area, years, snapshot_id).pk
            except AnalyticsError as exc:
                if snapshot_id is not None:
                    raise exceptions.ValidationError({"snapshot": [str(exc)]}) from exc
                raise NoSnapshot(str(exc)) from exc
        try:
            table = area_measures(user=request.user, area_code=area.code, level=level, year=q["year"], compare=q.get("compare"),
                                  backend=backend, snapshot_id=snapshot_id)
        except AnalyticsError as exc:
            raise NoSnapshot(str(exc)) from exc
        data = {**export.metadata(table), "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
                "rows": table.rows, "total": table.total}
        return Response(MeasuresSerializer(data).data)
