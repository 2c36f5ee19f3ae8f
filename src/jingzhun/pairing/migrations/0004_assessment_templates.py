"""Load the assessment templates of pairing/data/assessment_templates.json (the 2017 six areas and the 2021 eight items).

Self-contained on purpose (historical models, no import of the app's code): the same upsert as
``pairing.assessment.load_templates``, by template code and by indicator code within a template.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "assessment_templates.json"

TEMPLATE_FIELDS = ("name_en", "name_zh", "year_from", "year_to", "bands", "source")
INDICATOR_FIELDS = ("part", "label_en", "label_zh", "indicator", "target_source")


def load(apps, schema_editor):
    Template = apps.get_model("pairing", "AssessmentTemplate")
    Indicator = apps.get_model("pairing", "AssessmentIndicator")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for spec in data["templates"]:
        template, _ = Template.objects.update_or_create(code=spec["code"], defaults={f: spec.get(f) for f in TEMPLATE_FIELDS})
        for position, item in enumerate(spec["indicators"]):
            defaults = {f: item.get(f) or "" for f in INDICATOR_FIELDS}
            defaults.update(weight=Decimal(str(item["weight"])), position=position,
                            target=None if item.get("target") in (None, "") else Decimal(str(item["target"])))
            Indicator.objects.update_or_create(template=template, code=item["code"], defaults=defaults)


class Migration(migrations.Migration):

    dependencies = [
        ("pairing", "0003_ledgers_claims_assessment"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
