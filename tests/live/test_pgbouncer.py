"""The live-test group runs through PgBouncer in transaction mode (tests/live/conftest.py), and
what the portal relies on holds there: the import attempt lock (a transaction-level lock on a
connection of its own, no session state), `.iterator()` without server-side cursors, and no
`options` startup parameter. Fails in CI when pgbouncer is missing; skips elsewhere."""

import threading

import psycopg2
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


def _through(port: int):
    """A Django connection to the test database through the PgBouncer on `port`."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(port)}
    return DatabaseWrapper(settings, alias="through_bouncer")


def _answer_to(exc: BaseException):
    from django.test import RequestFactory

    from civiccases.middleware import DatabaseUnavailableMiddleware

    return DatabaseUnavailableMiddleware(lambda request: None).process_exception(
        RequestFactory().get("/collect/calls/"), exc
    )


def test_pgbouncer_refusals_are_answered_with_the_503_page(bouncer, tmp_path):
    """PgBouncer's own errors reach the portal as OperationalError: the 503 page, not a 500."""
    from django.db import OperationalError

    from tests.pgbouncerkit import config, running_pgbouncer_ini
    from tests.production import free_port

    server = bouncer.server  # the PostgreSQL the live group's PgBouncer stands in front of
    port = free_port()
    ini = config(port=port, folder=tmp_path, host=str(server["host"]),
                 server_port=int(server["port"]), user=str(server["user"]),
                 password=str(server["password"]), pool_size=1, max_client_conn=2,
                 query_wait_timeout=1)  # fmt: skip
    seen: dict[str, str] = {}
    with running_pgbouncer_ini(tmp_path, ini, port) as own:
        holder, waiter, third = _through(port), _through(port), _through(port)
        try:
            holder.ensure_connection()
            holder.set_autocommit(False)  # holds the pool's one server connection
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                server_pid = cursor.fetchone()[0]
            occupant = psycopg2.connect(  # the second and last client PgBouncer lets in
                host="127.0.0.1",
                port=port,
                user="postgres",
                dbname=connection.settings_dict["NAME"],
            )
            try:
                with pytest.raises(OperationalError) as refused:
                    third.ensure_connection()
                seen["max_client_conn"] = str(refused.value)
            finally:
                occupant.close()
            with pytest.raises(OperationalError) as waited:
                with waiter.cursor() as cursor:
                    cursor.execute("SELECT 1")
            seen["query_wait_timeout"] = str(waited.value)
            killer = psycopg2.connect(
                host=server["host"], port=server["port"], user=server["user"],
                password=server["password"] or None, dbname=connection.settings_dict["NAME"],
                connect_timeout=5,
            )  # fmt: skip
            killer.autocommit = True
            with killer, killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [server_pid])
            killer.close()
            with pytest.raises(OperationalError) as crashed:
                with holder.cursor() as cursor:
                    cursor.execute("SELECT 1")
            seen["crashed"] = str(crashed.value)
            for exc in (waited.value, refused.value, crashed.value):
                response = _answer_to(exc)
                assert response is not None
                assert (response.status_code, response["Retry-After"]) == (503, "60")
        finally:
            for wrapper in (holder, waiter, third):
                try:
                    wrapper.close()
                except Exception:  # noqa: BLE001, S110 — a broken connection is being closed
                    pass
        log = own.log
    # libpq gives PgBouncer's text for a refused connection; an error sent on an established
    # one reads "server closed the connection unexpectedly". PgBouncer's log says which it was.
    assert "no more connections allowed (max_client_conn)" in seen["max_client_conn"], seen
    assert "pooler error: query_wait_timeout" in log
    assert "pooler error: no more connections allowed (max_client_conn)" in log
    assert "server conn crashed?" in log
