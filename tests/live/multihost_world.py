"""The data behind tests/live/test_multihost.py, built in a fresh database by a subprocess
(`manage.py shell -c "from tests.live.multihost_world import main; main()"`): the world of
tests/live/nginx_world.py with two judges (one round), plus an organizer, the round's criteria,
and a call whose deadline has passed. Prints one line of JSON."""

import json
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from judging.models import Round
from submissions.models import Call, Unit
from tests.factories import CallFactory, CaseFactory, UserFactory
from tests.judging.setupkit import photo_add
from tests.live.nginx_world import build
from tests.publishing.kit import published_series


def main() -> None:
    world = build(judges=2, web_bytes=40_000, thumb_bytes=4_000)
    rnd = Round.objects.get(pk=world["round"])
    world["criteria"] = [c.pk for c in rnd.criteria.all()]
    world["lockout_user"] = UserFactory(username="lockout-multi").username
    world["organizer"] = UserFactory(is_organizer=True, username="organizer-multi").username
    past = CallFactory(
        slug="closed-2026",
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() - timedelta(minutes=1),
    )
    world["closed_call"] = past.slug
    unit = Unit.objects.get(name=world["unit_name"])
    user = User.objects.get(username=world["unit_user"])
    late = CaseFactory.create(call=past, unit=unit, created_by=user, title="逾期的案例")
    on_time = CaseFactory.create(
        call=Call.objects.get(slug=world["upload_call"]), unit=unit, created_by=user,
        title="按时的案例",
    )  # fmt: skip
    for case in (late, on_time):  # complete: only the deadline can refuse them
        photo_add(case, caption="现场")
    world["late_case"], world["on_time_case"] = late.pk, on_time.pk
    editor = UserFactory(is_editor=True, username="editor-multi")
    series = published_series(slug="xunli-multi", editor=editor)
    world["editor"], world["series"] = editor.username, series.slug
    world["headline"] = series.installments.get(number=1).headline
    print("MULTIHOST_WORLD " + json.dumps(world, ensure_ascii=False))
