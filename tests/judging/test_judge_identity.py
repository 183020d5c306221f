"""Who is a judge (a user with a profile in the expert pool) and a unit member: read once."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts import roles
from judging.models import Judge

from ..factories import UnitFactory, UserFactory, unit_user

BEFORE = [("accounts", "0001_initial"), ("judging", "0008_verbose_names")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_every_flagged_judge_a_judge():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User, OldJudge = old.get_model("accounts", "User"), old.get_model("judging", "Judge")
    User.objects.create(username="flagged", full_name="周教授", is_judge=True)
    User.objects.create(username="noname", is_judge=True)
    pooled = User.objects.create(username="pooled", full_name="钱老师", is_judge=True)
    OldJudge.objects.create(user=pooled, name="钱专家", affiliation="某大学")
    User.objects.create(username="plain", full_name="普通用户")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back to its newest

    judges = {j.user.username: (j.name, j.affiliation) for j in Judge.objects.all()}
    assert judges == {
        "flagged": ("周教授", ""),
        "noname": ("noname", ""),
        "pooled": ("钱专家", "某大学"),  # an existing profile is kept as it was
    }
    users = {u.username: u for u in UserFactory._meta.model.objects.all()}
    assert [n for n in sorted(users) if roles.is_judge(users[n])] == ["flagged", "noname", "pooled"]


def test_the_request_user_comes_with_its_pool_profile(db, django_assert_num_queries):
    """The user and the profile that makes a judge are read in one query per request."""
    from accounts.backends import UserBackend

    judge, other = UserFactory(is_judge=True), UserFactory()
    with django_assert_num_queries(1):
        loaded = UserBackend().get_user(judge.pk)
        assert roles.is_judge(loaded) and loaded.judge_profile.user_id == judge.pk
    with django_assert_num_queries(1):
        assert not roles.is_judge(UserBackend().get_user(other.pk))


def test_a_users_units_are_read_once_per_user_object(db, django_assert_num_queries):
    """The unit ids are a declared cached property of the user, not a private attribute."""
    unit = UnitFactory()
    member, outsider = unit_user(unit), UserFactory()
    with django_assert_num_queries(1):
        assert roles.unit_ids(member) == frozenset({unit.pk})
        assert roles.is_unit_member(member) and member.unit_ids == frozenset({unit.pk})
    assert not roles.is_unit_member(outsider)
    assert not [name for name in vars(member) if name.startswith("_unit")]
