import unicodedata

from django.db import migrations, models


def _normalize(text):
    # A frozen copy of clause_library.models.search_normalize (migrations do not import live code).
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def fill_search_text(apps, schema_editor):
    ClauseVersion = apps.get_model("clause_library", "ClauseVersion")
    batch = []
    for version in ClauseVersion.objects.only("id", "title", "body", "question").iterator(chunk_size=500):
        version.search_text = _normalize(" ".join((version.title or "", version.body or "", version.question or "")))
        batch.append(version)
        if len(batch) >= 500:
            ClauseVersion.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        ClauseVersion.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("clause_library", "0003_clause_destination_derogations_legal_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="clauseversion",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
