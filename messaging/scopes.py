"""What a message template or an outbox row may belong to (a call, usually), registered by the
app that owns it: this app sits below them and imports none. Case collection registers "call"
in its AppConfig.ready; the template editor and the outbox's filter read the registry."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class ScopeKind:
    kind: str  # in addresses: /messages/scoped/<kind>/<key>/templates/
    model: type[models.Model]
    key_field: str  # the field the address names ("slug")
    label: Promise  # "Call"
    back_url: Callable[[models.Model], str]  # the object's organizer page
    choices: Callable[[], list[tuple[int, str]]]  # (pk, title) for the outbox's filter


_kinds: dict[str, ScopeKind] = {}


def register(kind: ScopeKind) -> None:
    _kinds[kind.kind] = kind


def kind(name: str) -> ScopeKind | None:
    return _kinds.get(name)


def kinds() -> list[ScopeKind]:
    return list(_kinds.values())


def kind_of(obj: models.Model) -> ScopeKind | None:
    for k in _kinds.values():
        if isinstance(obj, k.model):
            return k
    return None


def get(name: str, key: str) -> models.Model | None:
    k = _kinds.get(name)
    if k is None:
        return None
    return k.model._default_manager.filter(**{k.key_field: key}).first()


def key_of(obj: models.Model) -> str:
    k = kind_of(obj)
    assert k is not None, obj
    return str(getattr(obj, k.key_field))
