"""Who may reach which page of the certificates app, in the access-table style of
tests/access.py: the organizer, a member of the unit whose certificate it is (owner), a member
of another unit (outsider), a judge, an editor and anonymous. A pattern without a row fails.
Organizer pages answer others 403 (anonymous: the login page); a certificate's PDF answers
anyone but the organizer and its unit 404; the verification page answers everyone."""

import pytest

from certificates import urls
from certificates.models import Certificate

from .. import access
from ..access import LOGIN, REDIRECT, Row
from ..factories import (
    CertificateDesignFactory,
    CertificateFactory,
    CertificateJobFactory,
    JudgeFactory,
    UnitFactory,
    UserFactory,
    unit_user,
)

pytestmark = pytest.mark.django_db

ORGANIZER_PAGE: dict[str, int | str] = {
    "organizer": 200,
    "owner": 403,
    "outsider": 403,
    "judge": 403,
    "editor": 403,
    "anonymous": LOGIN,
}
ORGANIZER_ACTION: dict[str, int | str] = {**ORGANIZER_PAGE, "organizer": REDIRECT}
CERTIFICATE_FILE: dict[str, int | str] = {
    **ORGANIZER_PAGE,
    "owner": 200,
    "outsider": 404,
    "judge": 404,
    "editor": 404,
}
SIGNED_IN: dict[str, int | str] = {
    **ORGANIZER_PAGE,
    "owner": 200,
    "outsider": 200,
    "judge": 200,
    "editor": 200,
}
EVERYONE: dict[str, int | str] = dict.fromkeys(ORGANIZER_PAGE, 200)


def _call(w):
    return {"slug": w["cert"].call.slug}


def _cert(w):
    return {"pk": w["cert"].pk}


def _job(w):
    return {"pk": w["job"].pk}


TABLE = [
    Row("certificates:list", ORGANIZER_PAGE, kwargs=_call),
    Row("certificates:design", ORGANIZER_PAGE, kwargs=_call),
    Row(
        "certificates:design",
        {**ORGANIZER_ACTION, "organizer": 400},  # an empty form: the page with its errors
        kwargs=_call,
        method="post",
    ),
    Row("certificates:preview", ORGANIZER_PAGE, kwargs=_call),
    Row("certificates:generate", ORGANIZER_ACTION, kwargs=_call, method="post"),
    Row("certificates:download_all", ORGANIZER_PAGE, kwargs=_call),
    Row("certificates:job", ORGANIZER_PAGE, kwargs=_job),
    Row("certificates:job_progress", ORGANIZER_PAGE, kwargs=_job),
    Row("certificates:download", CERTIFICATE_FILE, kwargs=_cert),
    Row(
        "certificates:revoke",
        ORGANIZER_ACTION,
        kwargs=_cert,
        method="post",
        data=lambda w: {"reason": "核实有误"},
    ),
    Row("certificates:restore", ORGANIZER_ACTION, kwargs=_cert, method="post"),
    Row("certificates:mine", SIGNED_IN),
    Row("certificates:verify", EVERYONE, kwargs=lambda w: {"number": w["cert"].full_number}),
]


@pytest.fixture
def world(db):
    owner_unit, other_unit = UnitFactory(name="某某街道"), UnitFactory(name="另一街道")
    cert = CertificateFactory(case__unit=owner_unit)
    CertificateDesignFactory(call=cert.call)
    return {
        "cert": cert,
        "job": CertificateJobFactory(call=cert.call, status="done", total=1, done=1),
        "people": {
            "organizer": UserFactory(username="org", is_organizer=True),
            "owner": unit_user(owner_unit, username="owner"),
            "outsider": unit_user(other_unit, username="outsider"),
            "judge": JudgeFactory(user__username="judge").user,
            "editor": UserFactory(username="editor", is_editor=True),
            "anonymous": None,
        },
    }


def _state(w):
    c = Certificate.objects.get(pk=w["cert"].pk)
    return (c.revoked_at, c.revoke_reason, c.pdf.name, Certificate.objects.count())


def test_every_url_has_a_row():
    assert access.missing_rows(TABLE, "certificates", urls.urlpatterns) == []


@pytest.mark.parametrize("row", TABLE, ids=[r.id for r in TABLE])
def test_access(client, world, row):
    access.check_row(client, world, row, state=_state)


def test_a_revoked_certificate_is_no_longer_the_units_to_download(client, world):
    url = access.Row("certificates:download", {}, kwargs=_cert).path(world, "owner")
    Certificate.objects.filter(pk=world["cert"].pk).update(revoked_at="2026-01-05T10:00:00Z")

    access.expect(client, world["people"]["owner"], url, 404)
    access.expect(client, world["people"]["organizer"], url, 200)
