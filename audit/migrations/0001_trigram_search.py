"""On PostgreSQL: trigram indexes for the audit trail's free-text filter (ILIKE '%…%' on the
object's name and the changes), 1.5 s → 30 ms over a million entries (BENCHMARKS.md).

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it
cannot be created the indexes are skipped and the filter reads the whole table instead.
"""

from django.db import migrations, transaction

INDEXES = (
    ("audit_logentry_repr_trgm", "object_repr"),
    ("audit_logentry_changes_trgm", "changes_text"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 — no privilege: the filter works, only slower
        return
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON auditlog_logentry "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunPython(create, drop)]
