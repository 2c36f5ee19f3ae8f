"""The two dimension sets every installation starts with (editable afterwards in the admin)."""

from django.db import migrations

SETS = [
    {
        "code": "china", "name_zh": "两不愁三保障", "name_en": "Two no worries, three guarantees", "order": 1,
        # k = 1 on weights of 1: any unmet item counts, as in the exit standard (every item must be met).
        "cutoff": 1,
        "source": "DOMAIN.md section 7; exit standard: income above the line, no worries about food and clothing, "
                  "compulsory education, basic medical care, safe housing and safe drinking water assured",
        "indicators": [
            ("income", "收入", "Income", 1), ("food_clothing", "吃穿", "Food and clothing", 1),
            ("education", "义务教育", "Compulsory education", 1), ("medical", "基本医疗", "Basic medical care", 1),
            ("housing", "住房安全", "Safe housing", 1), ("water", "饮水安全", "Safe drinking water", 1),
        ],
    },
    {
        "code": "mpi", "name_zh": "多维贫困指数（全球MPI式）", "name_en": "Global-MPI-style", "order": 2,
        # Health, education and living standards weigh a third each; k = 4 of 12 is the global MPI's 1/3.
        "cutoff": 4,
        "source": "Alkire & Santos (2014), global MPI structure (UNDP/OPHI), adapted to the registry's fields: "
                  "health = serious illness or disability and medical insurance; living standards without sanitation and assets",
        "indicators": [
            ("illness", "健康", "Health", 2), ("medical", "健康", "Health", 2),
            ("schooling", "教育", "Education", 2), ("education", "教育", "Education", 2),
            ("cooking_fuel", "生活水平", "Living standards", 1), ("water", "生活水平", "Living standards", 1),
            ("electricity", "生活水平", "Living standards", 1), ("housing", "生活水平", "Living standards", 1),
        ],
    },
]


def seed(apps, schema_editor):
    DimensionSet = apps.get_model("analytics", "DimensionSet")
    Indicator = apps.get_model("analytics", "Indicator")
    for spec in SETS:
        ds, created = DimensionSet.objects.get_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("name_zh", "name_en", "cutoff", "source", "order")},
        )
        if created:
            for i, (code, dim_zh, dim_en, weight) in enumerate(spec["indicators"]):
                Indicator.objects.create(dimension_set=ds, code=code, dimension_zh=dim_zh, dimension_en=dim_en, weight=weight, order=i)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
