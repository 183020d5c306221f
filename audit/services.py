"""Writes of the audit trail that django-auditlog's signals cannot see.

`bulk_create`, `QuerySet.update()` and deletes done with the trail switched off send no signal;
the services that use them call `record` (one entry) or `record_bulk` (one entry per object, in
one INSERT). Actor, address, channel and correlation id come from `audit.context` unless an
actor is given.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import smart_str

from accounts.models import User

from .context import searchable, stamp

CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE

__all__ = ["CREATE", "UPDATE", "DELETE", "record", "record_bulk", "untracked", "fields_of"]


def untracked() -> AbstractContextManager[None]:
    """A block whose signal-driven entries are skipped (the caller records a summary)."""
    return disable_auditlog()


def _text(value: object) -> str:
    if isinstance(value, models.Model):
        return smart_str(value.pk)
    return smart_str(value)


def _changes(changes: dict | None) -> dict | None:
    if not changes:
        return None
    return {str(k): [_text(before), _text(after)] for k, (before, after) in changes.items()}


def fields_of(obj: models.Model, names: Iterable[str]) -> dict[str, object]:
    """The current values of some fields (foreign keys by id), for a before/after pair."""
    out = {}
    for name in names:
        field = obj._meta.get_field(name)
        assert isinstance(field, models.Field), name  # a concrete field, not a reverse relation
        out[name] = getattr(obj, field.attname)
    return out


def _entry(
    obj: models.Model,
    *,
    action: int,
    changes: dict | None,
    note: str,
    actor: User | None,
    object_repr: str | None,
) -> LogEntry:
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_pk=smart_str(obj.pk),
        object_id=obj.pk if isinstance(obj.pk, int) else None,
        object_repr=(object_repr if object_repr is not None else smart_str(obj))[:10_000],
        action=action,
        changes=_changes(changes),
        additional_data={"note": note} if note else None,
    )
    if actor is not None and getattr(actor, "pk", None):
        entry.actor, entry.actor_email = actor, actor.email or None
    return entry


def record(
    *,
    obj: models.Model,
    action: int = UPDATE,
    changes: dict | None = None,
    note: str = "",
    actor: User | None = None,
    object_repr: str | None = None,
) -> LogEntry:
    """One audit entry for `obj`: `changes` maps a field (or a key the owning app labelled
    when it called `audit.registry.track`) to (before, after); `note` says what happened when
    no field pair does."""
    entry = _entry(
        obj, action=action, changes=changes, note=note, actor=actor, object_repr=object_repr
    )
    entry.save()  # pre_save stamps it from the context
    return entry


def record_bulk(
    objs: Iterable[models.Model],
    *,
    action: int = CREATE,
    changes: dict | None = None,
    note: str = "",
    actor: User | None = None,
    fields: Iterable[str] | None = None,
) -> int:
    """One entry per object in one INSERT (for bulk_create and QuerySet.update).

    With `fields`, a created object's entry holds those fields' values (None → value)."""
    fields = list(fields or ())
    entries = []
    for obj in objs:
        per_obj = changes
        if fields:
            values = fields_of(obj, fields)
            per_obj = {k: (None, v) if action == CREATE else (v, None) for k, v in values.items()}
        entry = _entry(
            obj, action=action, changes=per_obj, note=note, actor=actor, object_repr=None
        )
        stamp(entry)  # bulk_create sends no pre_save
        searchable(entry)
        entries.append(entry)
    LogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
