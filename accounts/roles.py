"""Role predicates: the one place that says who holds which role.

Organizers and editors are flags on the user. A unit user is a member of a unit
(submissions.Membership, read once per user object: `User.unit_ids`). A judge is a user with a
profile in the expert pool (judging.Judge, reached by its one-to-one accessor `judge_profile`,
which Django caches on the user whether found or not; `backends.UserBackend` loads it with the
request's user).
"""

from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied

#: One-to-one profiles of higher apps that the predicates read, loaded with the request's user.
PROFILES = ("judge_profile",)


def is_organizer(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_organizer or user.is_superuser)


def is_editor(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_editor)


def is_judge(user) -> bool:
    return bool(user.is_authenticated and user.is_active and hasattr(user, "judge_profile"))


def is_unit_member(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.unit_ids)


def unit_ids(user) -> frozenset[int]:
    """The ids of the units a user belongs to."""
    if not user.is_authenticated:
        return frozenset()
    return user.unit_ids


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
