"""On PostgreSQL: trigram indexes for the audit trail's free-text filter (Django's icontains,
UPPER(column) LIKE UPPER('%…%'), on the object's name and the changes): about 1.2 s → 50 ms
over a million entries (BENCHMARKS.md).

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it
cannot be created the indexes are skipped and the filter reads the whole table instead.
"""

from django.db import migrations

from . import _trigram


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunPython(_trigram.create, _trigram.drop)]
