from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0003_move_document_to_documents_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenderclause",
            name="article_number",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="numéro d'article"),
        ),
    ]
