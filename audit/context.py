"""Who is acting: one context for web requests, Celery tasks, management commands and the demo.

django-auditlog writes a LogEntry on every save of a tracked model; `fill_entry` (connected to
LogEntry's pre_save in apps.py) stamps it with the current actor, the remote address, what the
action came through ("via") and a correlation id that groups the entries of one request, task
or command. `audit.services.record` uses the same context for what the signals miss.

    @acts                                       # every write service: who acts is explicit
    def case_save(*, case, actor: User | None) -> Case: ...

    services.case_save(case=case, actor=request.user)   # a view; a task passes its user
    with audit_context(via="command:import_cases", actor=user):   # a command's channel and
        ...                                                         # correlation id

Contexts nest (a ContextVar with tokens): leaving an inner one restores the outer one.
"""

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Model


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None  # a user, a callable giving one (the request's lazy user), or None
    remote_addr: str | None = None
    via: str = ""  # "", "task:<name>", "command:<name>", "demo"
    cid: str = ""


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


@contextmanager
def audit_context(
    *, actor=None, remote_addr: str | None = None, via: str = "", cid: str | None = None
) -> Iterator[None]:
    """Set who acts (and from where) for everything written inside the block."""
    token = _current.set(
        AuditContext(actor=actor, remote_addr=remote_addr, via=via, cid=cid or uuid.uuid4().hex)
    )
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def acting_as(user, *, via: str | None = None) -> Iterator[None]:
    """Attribute what is written inside the block to `user`, keeping the outer context's
    address, correlation id and (unless given) channel."""
    parent = _current.get() or AuditContext(cid=uuid.uuid4().hex)
    token = _current.set(replace(parent, actor=user, via=parent.via if via is None else via))
    try:
        yield
    finally:
        _current.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def acts(service: Callable[P, R]) -> Callable[P, R]:
    """Decorator of a write service: what the service writes is attributed to its keyword
    argument `actor` (a user, or None for system work with no person behind it), keeping the
    outer context's address, correlation id and channel (a request's, a task's, a command's).

    The argument is required: every caller says who acts."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if "actor" not in kwargs:
            raise TypeError(f"{service.__qualname__}() needs the keyword argument 'actor'")
        with acting_as(kwargs["actor"]):
            return service(*args, **kwargs)

    return wrapper


def _resolve(actor):
    if callable(actor) and not isinstance(actor, Model):
        actor = actor()
    if isinstance(actor, get_user_model()) and actor.is_authenticated and actor.pk:
        return actor
    return None


def current_actor():
    ctx = _current.get()
    return _resolve(ctx.actor) if ctx else None


def current_cid() -> str | None:
    """AUDITLOG_CID_GETTER: the correlation id of the current request, task or command."""
    ctx = _current.get()
    return ctx.cid if ctx and ctx.cid else None


def stamp(entry) -> None:
    """Fill actor, address and channel of a log entry from the current context."""
    ctx = _current.get()
    if ctx is None:
        return
    if entry.actor_id is None:
        actor = _resolve(ctx.actor)
        if actor is not None:
            entry.actor = actor
            entry.actor_email = actor.email or None
    if entry.remote_addr is None and ctx.remote_addr:
        entry.remote_addr = ctx.remote_addr
    if ctx.via:
        data = dict(entry.additional_data or {})
        data.setdefault("via", ctx.via)
        entry.additional_data = data
    if not entry.cid and ctx.cid:
        entry.cid = ctx.cid


def searchable(entry) -> None:
    """The note and changes as plain text (JSON keeps non-ASCII escaped on SQLite), for the
    free-text filter: "field: before → after" lines."""
    if entry.changes_text:
        return
    lines = []
    note = (
        (entry.additional_data or {}).get("note")
        if isinstance(entry.additional_data, dict)
        else None
    )
    if note:
        lines.append(str(note))
    for key, value in (entry.changes or {}).items():
        if isinstance(value, dict):  # many-to-many: {"type": "m2m", "objects": [...]}
            value = [value.get("operation", ""), ", ".join(map(str, value.get("objects", [])))]
        if isinstance(value, list | tuple) and len(value) == 2:
            lines.append(f"{key}: {value[0]} → {value[1]}")
    entry.changes_text = "\n".join(lines)


def fill_entry(sender, instance, **kwargs):
    if instance._state.adding:
        stamp(instance)
        searchable(instance)


# ---------------------------------------------------------------- Celery

_task_tokens: dict[str, Any] = {}


def _task_prerun(task_id=None, task=None, **kwargs):
    parent = _current.get()  # an eager task inside a request keeps the request's actor
    ctx = AuditContext(
        actor=parent.actor if parent else None,
        remote_addr=parent.remote_addr if parent else None,
        via=f"task:{task.name}" if task is not None else "task",
        cid=parent.cid if parent and parent.cid else uuid.uuid4().hex,
    )
    _task_tokens[task_id] = _current.set(ctx)


def _task_postrun(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (should not happen): just clear
            _current.set(None)


def connect_celery() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_prerun, weak=False, dispatch_uid="audit-task-prerun")
    task_postrun.connect(_task_postrun, weak=False, dispatch_uid="audit-task-postrun")
