"""Trigram indexes for the audit trail's free-text filter (used by migrations 0001, 0002)."""

from django.db import transaction

INDEXES = (
    ("audit_logentry_repr_upper_trgm", "object_repr"),
    ("audit_logentry_changes_upper_trgm", "changes_text"),
)
#: Indexes on the bare columns, made by an earlier version of this migration: icontains
#: cannot use them.
OLD_INDEXES = ("audit_logentry_repr_trgm", "audit_logentry_changes_trgm")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 — no privilege: the filter works, only slower
        return
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON auditlog_logentry "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
