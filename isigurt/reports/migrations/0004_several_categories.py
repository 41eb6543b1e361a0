from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_staff_attention"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="other_categories",
            field=models.JSONField(blank=True, default=list, verbose_name="also reported"),
        ),
    ]
