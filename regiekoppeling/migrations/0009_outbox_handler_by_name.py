# The outbox stores its handler's name as data (registered by the integrations), not a choice list
# owned by the domain. The stored values stay what they were ("zaak_registratie", "bericht", ...).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("regiekoppeling", "0008_herindicatie_per_einddatum"),
    ]

    operations = [
        migrations.RenameField(model_name="outboxitem", old_name="soort", new_name="handler"),
        migrations.AlterField(
            model_name="outboxitem",
            name="handler",
            field=models.CharField(max_length=60),
        ),
    ]
