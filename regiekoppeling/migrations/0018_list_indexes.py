# Indexes for the keyset pages of aanvragen and voorzieningen filtered on status (issue 13).
# Built CONCURRENTLY (hence not atomic): on a deployment with a million voorzieningen a plain CREATE
# INDEX would block the intake for the seconds it takes.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("regiekoppeling", "0017_logboek"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="aanvraag",
            index=models.Index(fields=["status", "id"], name="aanvraag_status_id"),
        ),
        AddIndexConcurrently(
            model_name="voorziening",
            index=models.Index(fields=["status", "id"], name="voorziening_status_id"),
        ),
        # (status, id) serves every lookup the status index served.
        RemoveIndexConcurrently(
            model_name="voorziening",
            name="regiekoppel_status_c08f20_idx",
        ),
    ]
