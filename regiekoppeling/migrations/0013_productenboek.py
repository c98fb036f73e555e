"""The productenboek per gemeente and wet (issue 9): validity, allowed leveringsvormen, eenheden and
frequenties, arrangement onderdelen, a uuid for the API, its history; the productenboek master of a
gemeente; a bericht without aanvraag (about a product).

The one global product list becomes one list per gemeente: every existing gemeente gets a copy of each
product, and the lines and aanvragen of a gemeente point at its own copy. Without any gemeente the old
products cannot belong anywhere and are removed (nothing can use them: an aanvraag needs a gemeente).
Backwards this keeps the rows (the old unique constraint then needs one copy per product).
"""

import datetime
import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import regiekoppeling.models.producten
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


def _per_gemeente(apps, schema_editor):
    product_model = apps.get_model("regiekoppeling", "Product")
    gemeente_model = apps.get_model("regiekoppeling", "Gemeente")
    voorziening_model = apps.get_model("regiekoppeling", "Voorziening")
    aanvraag_model = apps.get_model("regiekoppeling", "Aanvraag")
    gemeenten = list(gemeente_model.objects.order_by("id"))
    for product in product_model.objects.filter(gemeente__isnull=True).order_by("id"):
        if not gemeenten:
            product.delete()
            continue
        product.gemeente = gemeenten[0]
        product.uuid = uuid.uuid4()
        product.save()
        original = product.pk
        for gemeente in gemeenten[1:]:
            product.pk = None
            product.id = None
            product.gemeente = gemeente
            product.uuid = uuid.uuid4()
            product.save()
            voorziening_model.objects.filter(product_id=original, aanvraag__gemeente=gemeente).update(product=product)
            aanvraag_model.objects.filter(arrangement_product_id=original, gemeente=gemeente).update(
                arrangement_product=product
            )


class Migration(migrations.Migration):

    dependencies = [
        ('regiekoppeling', '0012_credentials_encrypted'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalProduct',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uuid', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False)),
                ('wet', models.CharField(choices=[('WMO', 'Wmo 2015'), ('JW', 'Jeugdwet')], max_length=3)),
                ('categorie', models.CharField(max_length=2)),
                ('code', models.CharField(blank=True, default='', max_length=5)),
                ('omschrijving', models.CharField(max_length=200)),
                ('leveringsvormen', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('ZIN', 'Zorg in natura'), ('PGB', 'Persoonsgebonden budget')], max_length=3), default=regiekoppeling.models.producten.alle_leveringsvormen, size=None)),
                ('eenheden', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('01', 'Minuut'), ('04', 'Uur'), ('14', 'Etmaal'), ('16', 'Dagdeel (4 uur)'), ('82', 'Stuks (output)'), ('83', "Euro's"), ('84', 'Stuks (inspanning)')], max_length=2), default=regiekoppeling.models.producten.alle_eenheden, size=None)),
                ('frequenties', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('1', 'Per dag'), ('2', 'Per week'), ('4', 'Per maand'), ('6', 'Totaal binnen geldigheidsduur')], max_length=1), default=regiekoppeling.models.producten.alle_frequenties, size=None)),
                ('ingangsdatum', models.DateField(default=datetime.date(2015, 1, 1))),
                ('einddatum', models.DateField(blank=True, help_text='Laatste dag waarop het product geldt (leeg: open).', null=True)),
                ('aangemaakt_op', models.DateTimeField(blank=True, editable=False)),
                ('gewijzigd_op', models.DateTimeField(blank=True, db_index=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical product',
                'verbose_name_plural': 'historical producten',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AlterModelOptions(
            name='product',
            options={'ordering': ['gemeente_id', 'wet', 'categorie', 'code', 'ingangsdatum'], 'verbose_name_plural': 'producten'},
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='product_uniek_per_wet',
        ),
        migrations.RemoveField(
            model_name='product',
            name='actief',
        ),
        migrations.AddField(
            model_name='gemeente',
            name='productenboek_beheerder',
            field=models.ForeignKey(blank=True, help_text='De backofficeapplicatie die het productenboek van deze gemeente via de API beheert.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='beheerde_productenboeken', to='regiekoppeling.applicatie'),
        ),
        migrations.AddField(
            model_name='product',
            name='aangemaakt_op',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='product',
            name='eenheden',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('01', 'Minuut'), ('04', 'Uur'), ('14', 'Etmaal'), ('16', 'Dagdeel (4 uur)'), ('82', 'Stuks (output)'), ('83', "Euro's"), ('84', 'Stuks (inspanning)')], max_length=2), default=regiekoppeling.models.producten.alle_eenheden, size=None),
        ),
        migrations.AddField(
            model_name='product',
            name='einddatum',
            field=models.DateField(blank=True, help_text='Laatste dag waarop het product geldt (leeg: open).', null=True),
        ),
        migrations.AddField(
            model_name='product',
            name='frequenties',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('1', 'Per dag'), ('2', 'Per week'), ('4', 'Per maand'), ('6', 'Totaal binnen geldigheidsduur')], max_length=1), default=regiekoppeling.models.producten.alle_frequenties, size=None),
        ),
        migrations.AddField(
            model_name='product',
            name='gemeente',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='producten', to='regiekoppeling.gemeente'),
        ),
        migrations.AddField(
            model_name='product',
            name='gewijzigd_op',
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
        migrations.AddField(
            model_name='product',
            name='ingangsdatum',
            field=models.DateField(default=datetime.date(2015, 1, 1)),
        ),
        migrations.AddField(
            model_name='product',
            name='leveringsvormen',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('ZIN', 'Zorg in natura'), ('PGB', 'Persoonsgebonden budget')], max_length=3), default=regiekoppeling.models.producten.alle_leveringsvormen, size=None),
        ),
        migrations.AddField(
            model_name='product',
            name='onderdelen',
            field=models.ManyToManyField(blank=True, related_name='arrangementen', to='regiekoppeling.product'),
        ),
        migrations.AddField(
            model_name='product',
            name='uuid',
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(_per_gemeente, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='product',
            name='uuid',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='product',
            name='gemeente',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='producten', to='regiekoppeling.gemeente'),
        ),
        migrations.AlterField(
            model_name='product',
            name='aangemaakt_op',
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name='bericht',
            name='aanvraag',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='berichten', to='regiekoppeling.aanvraag'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.UniqueConstraint(fields=('gemeente', 'wet', 'categorie', 'code', 'ingangsdatum'), name='product_versie_uniek'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('einddatum__isnull', True), ('einddatum__gte', models.F('ingangsdatum')), _connector='OR'), name='product_einddatum_na_ingangsdatum'),
        ),
        migrations.AddField(
            model_name='historicalproduct',
            name='gemeente',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regiekoppeling.gemeente'),
        ),
        migrations.AddField(
            model_name='historicalproduct',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
