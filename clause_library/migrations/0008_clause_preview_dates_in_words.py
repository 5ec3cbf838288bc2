from django.db import migrations


def rerender_previews_with_dates(apps, schema_editor):
    """Stored previews of versions with a date parameter showed it as ISO (2029-03-26): render them again,
    dates in words (« 26 mars 2029 »). Versions without a date parameter are left as they are."""
    from clause_library.markdown import render_html
    from clause_library.parameters import display_values, resolve_values

    ClauseVersion = apps.get_model("clause_library", "ClauseVersion")
    batch = []
    for version in ClauseVersion.objects.only("id", "body", "parameters", "language").iterator(chunk_size=500):
        parameters = version.parameters or []
        if not any(isinstance(p, dict) and p.get("type") == "date" for p in parameters):
            continue
        values, _errors = resolve_values(parameters, require=False)
        version.preview_html = render_html(
            version.body, display_values(parameters, values, version.language), version.language
        )
        batch.append(version)
        if len(batch) == 500:
            ClauseVersion.objects.bulk_update(batch, ["preview_html"])
            batch = []
    if batch:
        ClauseVersion.objects.bulk_update(batch, ["preview_html"])


class Migration(migrations.Migration):
    dependencies = [
        ("clause_library", "0007_clause_version_stored_preview"),
    ]

    operations = [
        migrations.RunPython(rerender_previews_with_dates, migrations.RunPython.noop, elidable=True),
    ]
