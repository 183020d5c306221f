"""Databases that ran the first version of 0001 have trigram indexes on the bare columns,
which Django's icontains (UPPER(column) LIKE …) cannot use: replace them (idempotent)."""

from django.db import migrations

from . import _trigram


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_trigram_search")]
    operations = [migrations.RunPython(_trigram.create, migrations.RunPython.noop)]
