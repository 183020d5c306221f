"""Log entries as people read them: kinds, field labels, before → after, names for ids.

`rows(entries)` turns a page of entries into plain rows with one query per kind of object the
page refers to (users, units, calls …), however many entries the page holds.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry

EMPTY = (None, "", "None")
MAX_CHARS = 300  # a long body is cut in the page (the export has it whole)

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("Opened"),
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Row:
    entry: LogEntry
    when: datetime
    actor: str
    action: str
    kind: str
    object: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    address: str = ""


def via_label(via: str) -> str:
    if via.startswith("task:"):
        return _("System task (%(name)s)") % {"name": via[5:]}
    if via.startswith("command:"):
        return _("Command line (%(name)s)") % {"name": via[8:]}
    if via == "demo":
        return _("Demo data")
    return via


def actor_label(entry: LogEntry) -> str:
    via = (
        (entry.additional_data or {}).get("via", "")
        if isinstance(entry.additional_data, dict)
        else ""
    )
    if entry.actor_id and entry.actor is not None:
        name = entry.actor.display_name
        if name != entry.actor.username:
            name = f"{name} ({entry.actor.username})"
        return f"{name} · {via_label(via)}" if via else name
    if entry.actor_email:
        return entry.actor_email  # the account was deleted since
    return via_label(via) if via else _("System")


def model_label(model) -> str:
    return str(model._meta.verbose_name).capitalize()


def kind_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    if model is None:
        return entry.content_type.model
    return model_label(model)


def _short(text: str, limit: int | None) -> str:
    if limit and len(text) > limit:
        return text[:limit] + "…"
    return text


def _datetime(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):  # auditlog keeps UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


class _Names:
    """Foreign-key ids to names, fetched per related model in one query."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = {}
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def want(self, model, value: str) -> None:
        self.wanted.setdefault(model, set()).add(value)

    def load(self) -> None:
        for model, values in self.wanted.items():
            pks = [v for v in values if v.isdigit()]  # else an old value: shown as is
            qs = model._default_manager.filter(pk__in=pks)
            joins = registry.display_of(model).name_joins
            if joins:
                qs = qs.select_related(*joins)
            for obj in qs:
                self.names[(model, str(obj.pk))] = str(obj)

    def name(self, model, value: str) -> str:
        found = self.names.get((model, value))
        if found is not None:
            return found
        return _("#%(id)s (deleted)") % {"id": value}


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plain(value, field, names: _Names, limit):
    """A stored value as text; returns a callable when a name must be looked up first."""
    if value is None or value == "None" or value == "":
        return ""
    value = str(value)
    if field is None:
        return _short(value, limit)
    if getattr(field, "flatchoices", None):
        choices = {str(k): str(v) for k, v in field.flatchoices}
        return choices.get(value, value)
    if field.is_relation and (field.many_to_one or field.one_to_one):
        model = field.related_model
        names.want(model, value)
        return lambda: names.name(model, value)
    if isinstance(field, models.BooleanField):
        return {"True": _("Yes"), "False": _("No")}.get(value, value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    return _short(value, limit)


def _label(model, key: str) -> str:
    label = registry.display_of(model).label_for(key)
    if label is not None:
        return label
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name).capitalize()
    return key.replace("_", " ").capitalize()


@dataclass
class _Pending(Change):
    """Stands for an expanded change until its expander has run, then for its lines."""

    changes: list[Change] = field(default_factory=list)


def _expand(deferred: dict, limit: int | None) -> None:
    for expander, items in deferred.items():
        results = expander([(before, after) for _pending, before, after in items])
        for (pending, _before, _after), lines in zip(items, results, strict=True):
            pending.changes = [
                Change(label, _short(before, limit), _short(after, limit))
                for label, before, after in lines
            ]


def rows(entries, *, limit: int | None = MAX_CHARS) -> list[Row]:
    names = _Names()
    deferred: dict = {}  # expander → [(pending, before, after)]
    out = []
    kinds: dict[int, str] = {}  # labels are translated once per call, not once per entry
    labels: dict[tuple, str] = {}
    actions = {k: str(v) for k, v in ACTIONS.items()}
    for entry in entries:
        model = entry.content_type.model_class()
        if entry.content_type_id not in kinds:
            kinds[entry.content_type_id] = kind_label(entry)
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        row = Row(
            entry=entry,
            when=timezone.localtime(entry.timestamp),
            actor=actor_label(entry),
            action=actions.get(entry.action, str(entry.action)),
            kind=kinds[entry.content_type_id],
            object=entry.object_repr,
            note=str(data.get("note", "")),
            address=entry.remote_addr or "",
        )
        for key, value in (entry.changes or {}).items():
            if (model, key) not in labels:
                labels[(model, key)] = _label(model, key)
            label = labels[(model, key)]
            if isinstance(value, dict) and value.get("type") == "m2m":
                objects = "、".join(map(str, value.get("objects", [])))
                if value.get("operation") == "add":
                    row.changes.append(Change(label, "", "+ " + objects))
                else:
                    row.changes.append(Change(label, "− " + objects, ""))
                continue
            if not isinstance(value, list | tuple) or len(value) != 2:
                continue
            if value[0] in EMPTY and value[1] in EMPTY:
                continue  # an empty field of a created object
            expander = registry.display_of(model).expanders.get(key)
            if expander is not None:
                pending = _Pending(label, "", "")
                deferred.setdefault(expander, []).append((pending, value[0], value[1]))
                row.changes.append(pending)  # replaced by its lines below
                continue
            fld = _field(model, key)
            if fld is not None and (not fld.concrete or fld.primary_key):
                continue  # the id, and reverse relations auditlog lists on creation
            row.changes.append(
                Change(
                    label, _plain(value[0], fld, names, limit), _plain(value[1], fld, names, limit)
                )
            )
        out.append(row)
    names.load()
    _expand(deferred, limit)
    for row in out:
        row.changes = [
            line
            for change in row.changes
            for line in (change.changes if isinstance(change, _Pending) else [change])
        ]
        for change in row.changes:
            if callable(change.before):
                change.before = change.before()
            if callable(change.after):
                change.after = change.after()
    return out
