from django.db import migrations, models


def fill_previews(apps, schema_editor):
    """Render the stored preview of every existing version once (new ones get it when written)."""
    from clause_library.markdown import render_html
    from clause_library.parameters import resolve_values

    ClauseVersion = apps.get_model("clause_library", "ClauseVersion")
    batch = []
    for version in ClauseVersion.objects.only("id", "body", "parameters", "language").iterator(chunk_size=500):
        values, _errors = resolve_values(version.parameters or [], require=False)
        version.preview_html = render_html(version.body, values, version.language)
        batch.append(version)
        if len(batch) == 500:
            ClauseVersion.objects.bulk_update(batch, ["preview_html"])
            batch = []
    if batch:
        ClauseVersion.objects.bulk_update(batch, ["preview_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("clause_library", "0006_clause_contract_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="clauseversion",
            name="preview_html",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_previews, migrations.RunPython.noop, elidable=True),
    ]
