# Credentials: the secret encrypted at rest (Fernet, CREDENTIAL_ENCRYPTION_KEYS), an optional expiry and
# the credential a rotated one replaced. The data step encrypts every existing plain secret; backwards it
# decrypts them again.

import django.db.models.deletion
import regiekoppeling.models.partijen
from django.db import migrations, models

from regiekoppeling.crypto import decrypt_secret, encrypt_secret


def encrypt_existing(apps, schema_editor):
    Credential = apps.get_model("regiekoppeling", "Credential")
    for credential in Credential.objects.all().only("pk", "secret"):
        credential.secret_encrypted = encrypt_secret(credential.secret)
        credential.save(update_fields=["secret_encrypted"])


def decrypt_existing(apps, schema_editor):
    Credential = apps.get_model("regiekoppeling", "Credential")
    for credential in Credential.objects.all().only("pk", "secret_encrypted"):
        credential.secret = decrypt_secret(credential.secret_encrypted)
        credential.save(update_fields=["secret"])


class Migration(migrations.Migration):

    dependencies = [
        ('regiekoppeling', '0011_outbox_claimed_by'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='credential',
            options={'ordering': ['-aangemaakt_op'], 'verbose_name': 'credential'},
        ),
        migrations.AddField(
            model_name='credential',
            name='secret_encrypted',
            field=models.TextField(default='', editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.AlterField(
            model_name='credential',
            name='secret_encrypted',
            field=models.TextField(default=regiekoppeling.models.partijen.generate_encrypted_secret, editable=False),
        ),
        migrations.RemoveField(
            model_name='credential',
            name='secret',
        ),
        migrations.AddField(
            model_name='credential',
            name='geldig_tot',
            field=models.DateTimeField(blank=True, help_text='Na dit moment wordt de credential geweigerd (leeg: onbeperkt).', null=True),
        ),
        migrations.AddField(
            model_name='credential',
            name='vorige',
            field=models.ForeignKey(blank=True, editable=False, help_text='De credential die deze bij het roteren verving.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='opvolgers', to='regiekoppeling.credential'),
        ),
    ]
