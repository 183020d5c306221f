"""The live-test group runs through PgBouncer in transaction mode (tests/live/conftest.py), and
what the portal relies on holds there: the import attempt lock (a transaction-level lock on a
connection of its own, no session state), `.iterator()` without server-side cursors, and no
`options` startup parameter. Fails in CI when pgbouncer is missing; skips elsewhere."""

import threading

import pytest
from django.db import connection, connections, transaction

from submissions import importing
from submissions.models import Unit
from tests.pgbouncerkit import pgbouncer_problem

from .conftest import IN_CI

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bouncer(through_pgbouncer):
    if through_pgbouncer is None:
        reason = (
            "the tests do not run on PostgreSQL (set DATABASE_URL=postgres://…)"
            if connection.vendor != "postgresql"
            else pgbouncer_problem() or "PgBouncer was not started"
        )
        if IN_CI:
            pytest.fail(f"{reason}; CI=true, so the PgBouncer tests must run", pytrace=False)
        pytest.skip(reason)
    return through_pgbouncer


def test_the_test_database_is_reached_through_pgbouncer_in_transaction_mode(bouncer):
    s = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('random_page_cost')")
        name, page_cost = cursor.fetchone()

    assert (s["HOST"], s["PORT"]) == ("127.0.0.1", str(bouncer.port))
    assert name == s["NAME"] and name.startswith("test_")
    assert page_cost == "4"  # the startup option is not sent through PgBouncer
    assert s["DISABLE_SERVER_SIDE_CURSORS"] is True
    ini = (bouncer.folder / "pgbouncer.ini").read_text()
    assert "pool_mode = transaction" in ini
    assert f"db={name}" in bouncer.log  # PgBouncer logged the login to the test database


def test_iterator_reads_every_row_inside_a_transaction(bouncer):
    Unit.objects.bulk_create(Unit(name=f"单位{i:03d}") for i in range(250))
    with transaction.atomic():
        names = list(Unit.objects.order_by("name").values_list("name", flat=True).iterator(50))
    assert names == [f"单位{i:03d}" for i in range(250)]


def test_the_import_attempt_lock_excludes_a_second_attempt_and_is_freed_after(bouncer):
    running, release, outcome = threading.Event(), threading.Event(), []

    def attempt() -> None:  # another worker's attempt, holding job 4242's lock
        try:
            with importing._attempt_lock(4242) as held:
                outcome.append(held)
                running.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=attempt)
    worker.start()
    try:
        assert running.wait(30)
        # Several transactions of this connection go to whichever server connection PgBouncer
        # gives: the lock must still be seen as held from each of them.
        for _ in range(3):
            with transaction.atomic():
                assert importing._attempt_alive(4242)
        with importing._attempt_lock(4242) as held:
            assert not held
    finally:
        release.set()
        worker.join(30)
    assert outcome == [True]
    with transaction.atomic():
        assert not importing._attempt_alive(4242)
    with importing._attempt_lock(4242) as held:
        assert held
