"""Role predicates: the one place that says who holds which role."""

from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied


def is_organizer(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_organizer or user.is_superuser)


def is_editor(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_editor)


def is_judge(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_judge)


def is_unit_member(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_unit_ids", None)
    if cached is None:
        cached = user._unit_ids = frozenset(user.memberships.values_list("unit_id", flat=True))
    return bool(cached)


def unit_ids(user) -> frozenset[int]:
    """The ids of the units a user belongs to (cached on the user object for the request)."""
    if not user.is_authenticated:
        return frozenset()
    is_unit_member(user)
    return user._unit_ids


def role_required(predicate):
    """View decorator: anonymous users go to login; logged-in users without the role get 403."""

    def check(user):
        if not user.is_authenticated:
            return False
        if not predicate(user):
            raise PermissionDenied
        return True

    return user_passes_test(check)


organizer_required = role_required(is_organizer)
unit_member_required = role_required(is_unit_member)
