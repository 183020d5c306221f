"""Which models the audit trail records (django-auditlog signals), and how their entries read.

Each app names its own models, in its own `AppConfig.ready`, with `track(model, **options)`; the
reasons for what it leaves out sit next to its registration. The audit app names no app above
it. Bulk writes that send no signal (bulk_create, QuerySet.update) are recorded by the services
through `audit.services.record` / `record_bulk`.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditlog.registry import auditlog
from django.db import models

#: Bookkeeping times: the entry has its own.
ALWAYS_EXCLUDED = ("created_at", "updated_at")


Expander = Callable[[Sequence[tuple[Any, Any]]], list[list[tuple[str, str, str]]]]


@dataclass(frozen=True)
class Display:
    """How the audit page shows a tracked model's entries (given by the app that owns it)."""

    #: Relations loaded with an object when the page names it (its __str__ reads them).
    name_joins: tuple[str, ...] = ()
    #: Labels of `changes` keys that are not fields (summaries written by the app's services).
    change_labels: Mapping[str, str] = field(default_factory=dict)
    #: Labels of keys made of a prefix and a name: prefix → label with %(name)s.
    prefix_labels: Mapping[str, str] = field(default_factory=dict)
    #: Changes of one stored field shown as several lines (a JSON field of answers, say):
    #: key → a function given the (before, after) values of every entry of a page (one call
    #: per page, so it may load what it names in one query) and returning, for each, the
    #: lines (label, before, after) as people read them.
    expanders: Mapping[str, Expander] = field(default_factory=dict)

    def label_for(self, key: str) -> str | None:
        if key in self.change_labels:
            return str(self.change_labels[key])
        for prefix, label in self.prefix_labels.items():
            if key.startswith(prefix):
                return str(label) % {"name": key[len(prefix) :]}
        return None


_tracked: dict[type[models.Model], Display] = {}


def track(
    model: type[models.Model],
    *,
    name_joins: Iterable[str] = (),
    change_labels: Mapping[str, str] | None = None,
    prefix_labels: Mapping[str, str] | None = None,
    expanders: Mapping[str, Expander] | None = None,
    **options,
) -> None:
    """Record the changes of `model` in the audit trail. Call it from the owning app's
    `AppConfig.ready`.

    `options` are django-auditlog's `register()` options (mask_fields, mask_callable,
    exclude_fields, include_fields, m2m_fields …); ALWAYS_EXCLUDED fields the model has are
    added to exclude_fields. `name_joins`, `change_labels`, `prefix_labels` and `expanders`
    tell the audit page how to show the entries (see Display). Registering a model twice
    changes nothing.
    """
    if model in _tracked:
        return
    names = {f.name for f in model._meta.get_fields()}
    options = {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in options.items()}
    options["exclude_fields"] = [
        *options.get("exclude_fields", []),
        *(n for n in ALWAYS_EXCLUDED if n in names),
    ]
    if not auditlog.contains(model):
        auditlog.register(model, **options)
    _tracked[model] = Display(
        name_joins=tuple(name_joins),
        change_labels=dict(change_labels or {}),
        prefix_labels=dict(prefix_labels or {}),
        expanders=dict(expanders or {}),
    )


def tracked_models() -> list[type[models.Model]]:
    return list(_tracked)


def display_of(model: type[models.Model] | None) -> Display:
    """How a model's entries are shown (the plain defaults for an untracked one)."""
    if model is None:
        return Display()
    return _tracked.get(model) or Display()


def mask_secret(value: str) -> str:
    """A password hash is never shown, not even in part (auditlog's default keeps half); the
    missing value before an account existed stays what it is."""
    if value in (None, "", "None"):
        return value
    return "********"
