"""Who sees the audit trail, in the access-table style of tests/access.py: organizers only.
Everyone else is refused, even the entries of his or her own actions."""

import pytest
from auditlog.models import LogEntry

from audit.context import acting_as
from audit.selectors import log_visible
from audit.urls import urlpatterns
from submissions import services as submission_services

from .. import access
from ..access import LOGIN, Row
from ..factories import CallFactory, UserFactory, unit_user
from ..judging.setupkit import judge_profile

ORGANIZER_ONLY: dict[str, int | str] = dict(
    organizer=200, unit=403, judge=403, editor=403, anonymous=LOGIN
)
TABLE = [Row("audit:log", ORGANIZER_ONLY), Row("audit:export", ORGANIZER_ONLY)]


def test_access_table_covers_every_url():
    assert access.missing_rows(TABLE, "audit", urlpatterns) == []


@pytest.fixture
def world(organizer, unit_a):
    """One person per role; each has saved a call, so each has an entry of his or her own."""
    people = {
        "organizer": organizer,
        "unit": unit_user(unit_a, username="u"),
        "judge": judge_profile("j").user,
        "editor": UserFactory(username="e", is_editor=True),
        "anonymous": None,
    }
    for role, user in people.items():
        if user is not None:
            with acting_as(user):
                submission_services.call_save(call=CallFactory.build(slug=f"x-{role}"), actor=user)
    return {"people": people}


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_only_organizers_see_the_trail(client, world, row, role):
    access.check(client, world, row, role)

    user = world["people"][role]
    if row.expect[role] == 403:
        assert LogEntry.objects.filter(actor=user).count() == 1  # even the user's own entry
        assert list(log_visible(user)) == []
