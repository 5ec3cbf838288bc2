from django.db import migrations


def rerender_previews_with_placeholders_in_links(apps, schema_editor):
    """Stored previews of versions with a placeholder inside a link's target (`[x]({{ url }})`) held broken
    markup (a filled span inside the href, issue 28, I3): render them again, the link written as text.
    Other versions are left as they are."""
    from clause_library.markdown import _placeholders_in_link_targets, render_html
    from clause_library.parameters import display_values, resolve_values

    ClauseVersion = apps.get_model("clause_library", "ClauseVersion")
    batch = []
    candidates = ClauseVersion.objects.filter(body__contains="{{").only("id", "body", "parameters", "language")
    for version in candidates.iterator(chunk_size=500):
        if not _placeholders_in_link_targets(version.body or ""):
            continue
        parameters = version.parameters or []
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
        ("clause_library", "0008_clause_preview_dates_in_words"),
    ]

    operations = [
        migrations.RunPython(rerender_previews_with_placeholders_in_links, migrations.RunPython.noop, elidable=True),
    ]
