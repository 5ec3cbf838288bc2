from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0006_pinned_topics"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenderclause",
            name="article_number",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="numéro d'article"),
        ),
    ]
