"""A database that is down gives a clean 503 page with Retry-After, never a traceback or a 500.

The database is "down" by making every new cursor fail the way psycopg does when PostgreSQL
restarts; tests/live/test_postgres_restart.py does it for real against a restarted server.
"""

import json
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import path, reverse

from civiccases import urls as project_urls
from civiccases.middleware import SESSIONLESS_PATHS
from civiccases.session_idle import REFRESHED_KEY

RESTARTING = OperationalError(
    "server closed the connection unexpectedly\n"
    "\tThis probably means the server terminated abnormally before or while processing the request."
)
CLOSED = InterfaceError("connection already closed")
TITLE_ZH, TITLE_EN = "服务暂时不可用", "Service temporarily unavailable"


def boom(request):
    raise ValueError("an ordinary bug")


class DatabaseDownInMiddleware:
    """A middleware that hits the database before any view runs (outside process_exception)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/probe/":
            raise RESTARTING
        return self.get_response(request)


urlpatterns = [path("boom/", boom), path("probe/", boom), *project_urls.urlpatterns]
handler500 = project_urls.handler500


def database_down(exc=RESTARTING):
    return mock.patch.object(connection, "cursor", side_effect=exc)


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert TITLE_ZH in body and TITLE_EN in body
    assert "60" in body
    for leak in ("Traceback", "OperationalError", "InterfaceError", "server closed"):
        assert leak not in body


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_logged_in_page_while_the_database_is_down_is_a_clean_503(org_client, language):
    org_client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    with database_down():
        response = org_client.get(reverse("submissions:call_list"))
    assert_unavailable_page(response)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_public_page_while_the_database_is_down_is_a_clean_503(client, db, language):
    with database_down():
        response = client.get(reverse("publishing:series_index"), HTTP_ACCEPT_LANGUAGE=language)
    assert_unavailable_page(response)


def test_login_post_with_a_closed_connection_is_a_clean_503(client, organizer):
    with database_down(CLOSED):
        response = client.post(
            reverse("accounts:login"), {"username": "organizer", "password": "whatever"}
        )
    assert_unavailable_page(response)


def test_the_page_comes_back_once_the_database_answers_again(org_client):
    with database_down():
        assert org_client.get(reverse("submissions:call_list")).status_code == 503
    # Same client, same session: nothing was cached or broken by the outage.
    response = org_client.get(reverse("submissions:call_list"))
    assert response.status_code == 200


def test_the_503_page_is_not_a_500_in_the_logs(org_client, caplog):
    with database_down(), caplog.at_level("WARNING"):
        org_client.get(reverse("submissions:call_list"))
    records = [r for r in caplog.records if r.name == "civiccases.middleware"]
    assert len(records) == 1 and records[0].levelname == "WARNING"
    assert "OperationalError" in records[0].getMessage()
    logged = [r for r in caplog.records if r.name == "django.request"]
    # Django reports the 503 itself, without a traceback; nothing is an "Internal Server Error".
    assert [r.getMessage() for r in logged] == ["Service Unavailable: /collect/calls/"]
    assert not any(r.exc_info for r in logged)


def test_database_lost_while_saving_the_session_is_a_503_not_a_400(org_client):
    # The view answered, then the database went away before the session was saved: Django
    # would call that an interrupted session (400 Bad Request). The session is due for its
    # idle-timeout refresh, so this request saves it.
    session = org_client.session
    session[REFRESHED_KEY] = 0
    session.save()
    with mock.patch.object(Session, "save", side_effect=RESTARTING):
        response = org_client.get(reverse("submissions:call_list"))
    assert_unavailable_page(response)


def test_healthz_reports_the_database_down_as_json_503(client, db):
    with database_down():
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    status = json.loads(response.content)
    assert status["database"] == "down: OperationalError"
    assert status["status"] == "fail"


def test_healthz_with_a_session_cookie_never_touches_the_session(org_client):
    # A browser (or a load balancer that kept a cookie) asks while the database is down: the
    # session is neither read nor saved, so the answer is the health JSON.
    assert reverse("healthz") in SESSIONLESS_PATHS
    assert org_client.cookies.get("sessionid")
    with database_down() as cursor:
        response = org_client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["database"] == "down: OperationalError"
    assert cursor.call_count == 1  # the health probe's SELECT 1, nothing else


def test_healthz_leaves_the_visitors_session_alone(org_client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1; no session read or save
        response = org_client.get(reverse("healthz"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # neither refreshed nor deleted
    assert org_client.get(reverse("submissions:call_list")).status_code == 200  # still logged in


@pytest.mark.urls(__name__)
def test_database_error_outside_a_view_also_gives_the_503_page(db, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.DatabaseDownInMiddleware"]
    response = Client(raise_request_exception=False).get("/probe/")
    assert_unavailable_page(response)


@pytest.mark.urls(__name__)
def test_any_other_error_is_still_the_ordinary_500(db):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert TITLE_EN not in response.content.decode()
