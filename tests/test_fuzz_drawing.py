"""Hostile input in the forms of the random drawing: the rules and the witness, the rating of an
expert, the pool's new fields, and any file uploaded to the public verify page (anonymous). Never
a server error; invalid input gets a page with a message."""

import itertools
import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from judging import drawing
from judging.drawing_forms import DrawingRulesForm, RatingForm, RecordUploadForm
from judging.forms import JudgeEditForm
from judging.models import Round
from judging.services import drawing as services
from judging.services import rounds

from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    assert_form_error,
    fuzzes,
    hostile,
    hostile_content,
    hostile_number,
    post_ok,
    upload,
)
from .judging.setupkit import accepted_case, judge_profile, make_round

_serial = itertools.count(1)


@pytest.fixture
def draft_round(call, organizer):
    for i in range(4):
        judge_profile(f"fd{i}")
    return make_round(
        call, judges=[], cases=[accepted_case(call)], status=Round.Status.DRAFT, actor=organizer
    )


@fuzzes(DrawingRulesForm)
@FUZZ
@given(
    count=hostile_number,
    backups=hostile_number,
    quotas=hostile,
    own_unit=hostile,
    recent=hostile_number,
    draws=hostile_number,
    rating=hostile,
    rating_calls=hostile_number,
    witness=hostile,
    reason=hostile,
)
def test_drawing_rules(
    org_client,
    draft_round,
    count,
    backups,
    quotas,
    own_unit,
    recent,
    draws,
    rating,
    rating_calls,
    witness,
    reason,
):
    response = post_ok(
        org_client,
        reverse("judging:round_drawing", args=[draft_round.pk]),
        {
            "count": count,
            "backups": backups,
            "quotas": quotas,
            "own_unit": own_unit,
            "relationships": "on",
            "recent_calls": recent,
            "max_draws_year": draws,
            "rating": rating,
            "rating_calls": rating_calls,
            "witness": witness,
            "redraw_reason": reason,
        },
    )
    if not witness.strip():
        assert_form_error(response, org_client)


@fuzzes(RatingForm)
@FUZZ_FEW
@given(judge=hostile_number, rating=hostile, note=hostile)
def test_rating(org_client, call, organizer, judge, rating, note):
    expert = judge_profile(f"fr{next(_serial)}")
    rnd = make_round(call, judges=[expert], cases=[accepted_case(call)], actor=organizer)
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    post_ok(
        org_client,
        reverse("judging:round_ratings", args=[rnd.pk]),
        {"judge": judge, "rating": rating, "note": note},
    )
    post_ok(
        org_client,
        reverse("judging:round_ratings", args=[rnd.pk]),
        {"judge": str(expert.pk), "rating": rating, "note": note},
    )


@fuzzes(JudgeEditForm)
@FUZZ_FEW
@given(fields=hostile, region=hostile, title=hostile, reason=hostile, available=hostile)
def test_pool_fields(org_client, db, fields, region, title, reason, available):
    judge = judge_profile(f"fp{next(_serial)}")
    post_ok(
        org_client,
        reverse("judging:judge_edit", args=[judge.pk]),
        {
            "name": "专家",
            "expert_fields": fields,
            "region": region,
            "title": title,
            "available": available,
            "unavailable_reason": reason,
        },
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


def _valid_record() -> dict:
    pool = [drawing.Expert(id=i, name=f"专家{i}", fields=("城市管理",)) for i in range(1, 6)]
    rules = drawing.Rules(count=2, backups=1)
    payload = drawing.committed_payload(facts={}, eligible=pool, excluded=[], rules=rules)
    seed = bytes(32)
    return {
        "format": drawing.FORMAT,
        "algorithm": drawing.ALGORITHM,
        **payload,
        "commitment": drawing.commitment(seed, payload),
        "seed": seed.hex(),
        "result": drawing.draw(seed, pool, rules).as_json(),
    }


@fuzzes(RecordUploadForm)
@FUZZ
@given(
    content=st.one_of(
        hostile_content,
        json_values.map(lambda v: json.dumps(v).encode()),
        st.tuples(
            st.sampled_from(["seed", "snapshot", "rules", "result", "facts", "commitment"]),
            json_values,
        ).map(lambda kv: json.dumps({**_valid_record(), kv[0]: kv[1]}).encode()),
        st.just(b"[" * 100000),
    )
)
def test_verify_page_takes_any_file(client, db, content):
    response = post_ok(
        client,
        reverse("judging:drawing_verify"),
        {"record": upload("record.json", content, "application/json")},
    )
    if content:
        assert response.status_code == 200
        assert 'id="verdict"' in response.content.decode()
    else:  # an empty upload is no file
        assert_form_error(response)


@FUZZ
@given(value=json_values)
def test_verify_never_raises(value):
    assert isinstance(drawing.verify(value), list)
    record = _valid_record()
    record["rules"] = value
    assert drawing.verify(record) != []


def test_drawing_rules_refuse_too_many_quotas(draft_round, organizer):
    rules = services.DrawingRules(count=100, quotas=[(f"f{i}", 1) for i in range(60)])
    with pytest.raises(Exception, match="Too many field quotas"):
        rules.check()
