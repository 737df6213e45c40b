from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("kb_search", "0002_postgres_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="group_key",
            field=models.CharField(blank=True, db_index=True, max_length=120),
        ),
    ]
