from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_admin_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="other_categories",
            field=models.JSONField(blank=True, default=list, verbose_name="also reported"),
        ),
    ]
