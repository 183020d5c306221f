"""Hostile input in the forms of signed results and the working calendar: the round's signing
setup (leader, deadline, supervisor), a judge's signature or refusal with dissent, a day of the
working calendar. Never a server error."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from judging.forms_signing import SheetSignForm, SigningSetupForm, WorkdayForm

from .fuzzkit import FUZZ, fuzzes, get_ok, hostile, hostile_datetime, hostile_number, post_ok
from .judging.results_kit import random_rows, scored_round

pytestmark = pytest.mark.fuzz


@pytest.fixture
def closed_round(call):
    rnd, judges, _cases = scored_round(call, random_rows(2, 2, seed=41))
    return rnd, judges


@fuzzes(SigningSetupForm)
@FUZZ
@given(leader=hostile_number, sign_by=hostile_datetime, name=hostile, supervisor=hostile_number)
def test_signing_setup(org_client, closed_round, leader, sign_by, name, supervisor):
    rnd, _judges = closed_round
    url = reverse("judging:round_signing", kwargs={"pk": rnd.pk})
    post_ok(
        org_client,
        url,
        {
            "action": "setup",
            "leader": leader,
            "sign_by": sign_by,
            "supervisor_name": name,
            "supervisor_user": supervisor,
        },
    )
    get_ok(org_client, url)


@fuzzes(SheetSignForm)
@FUZZ
@given(action=st.one_of(st.sampled_from(["sign", "refuse", "leader"]), hostile), dissent=hostile)
def test_sheet_sign(client, closed_round, action, dissent):
    rnd, judges = closed_round
    client.force_login(judges[0].user)
    url = reverse("judging:judge_sign", kwargs={"pk": rnd.pk})
    post_ok(client, url, {"action": action, "dissent": dissent})
    get_ok(client, url)


@fuzzes(WorkdayForm)
@FUZZ
@given(date=hostile, is_workday=hostile, note=hostile, year=hostile)
def test_workday(org_client, date, is_workday, note, year):
    url = reverse("judging:work_calendar")
    post_ok(org_client, url, {"date": date, "is_workday": is_workday, "note": note})
    get_ok(org_client, url, {"year": year})
