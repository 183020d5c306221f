"""The statistics page: chart data (json_script) whose numbers are those of judging.scoring on
the same scores; Kendall's W on a complete block (or why not); rank stability."""

import numpy as np
import pytest
from django.urls import reverse
from scipy import stats as sps

from judging import scoring, statistics
from judging.models import Assignment, Result, Round
from judging.services import results as services
from judging.services.results import round_scores

from .results_kit import json_block, panel, random_rows, scored_round  # noqa: F401

pytestmark = pytest.mark.django_db


def _stats(client, rnd):
    response = client.get(reverse("judging:results_stats", kwargs={"pk": rnd.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    return html, json_block(html, "stats-data")


def test_stats_page_chart_data_matches_the_scoring_functions(org_client, call):
    rows = random_rows(12, 5, seed=21)
    rows[3][4] = (0, 0)  # an outlier: judge E gives nothing to a case the others like
    rnd, judges, cases = scored_round(call, rows)

    html, data = _stats(org_client, rnd)

    scores = round_scores(round=rnd)
    assert len(scores) == 60
    # the page draws with the vendored Chart.js and its own script, no inline code
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in html
    assert '<script src="/static/js/stats.js"></script>' in html
    for canvas in ("chart-histogram", "chart-distribution", "chart-severity", "chart-stability"):
        assert f'id="{canvas}"' in html
    # per-judge distribution and severity
    severity = scoring.judge_severity(scores)
    assert [j["name"] for j in data["judges"]] == [j.name for j in judges]
    for row in data["judges"]:
        mine = [v for (j, _c), v in scores.items() if j == row["id"]]
        assert row["n"] == 12
        assert (row["min"], row["max"]) == (min(mine), max(mine))
        assert row["median"] == scoring.median(mine)
        assert row["mean"] == scoring.mean(mine)
        assert (row["q1"], row["q3"]) == pytest.approx(
            list(np.percentile(mine, [25, 75])), abs=1e-9
        )
        assert (row["severity"], row["spread"], row["severity_n"]) == tuple(severity[row["id"]])
    # Kendall's W: everyone scored everything, so the block is the whole round
    k = data["kendall"]
    assert (k["m"], k["n"], k["complete"]) == (5, 12, True)
    matrix = [[scores[(j, c)] for c in k["case_ids"]] for j in k["judge_ids"]]
    assert k["w"] == scoring.kendalls_w(matrix)
    friedman = sps.friedmanchisquare(
        *[[scores[(j, c)] for j in k["judge_ids"]] for c in k["case_ids"]]
    )
    assert k["w"] == pytest.approx(friedman.statistic / (5 * (12 - 1)), rel=1e-12)
    assert k["chi2"] == pytest.approx(friedman.statistic, rel=1e-12)
    # outliers
    expected = scoring.outliers(scores, z=statistics.OUTLIER_Z)
    assert expected, "the data must have an outlier"
    assert [(o["judge_id"], o["case_id"], o["deviation"]) for o in data["outliers"]] == [
        tuple(o) for o in expected
    ]
    assert (judges[4].pk, cases[3].pk) in {(o["judge_id"], o["case_id"]) for o in data["outliers"]}
    # histogram of every total
    assert sum(data["histogram"]["counts"]) == 60
    # rank stability: the stored results are those of scoring.rank_stability
    samples = services.stability_samples_for(60)
    expected_p = scoring.rank_stability(
        scores,
        method="trimmed",
        top=call.award_top_n,
        samples=samples,
        min_judges=max(3, rnd.trim_min_judges),
    )
    st = data["stability"]
    assert st["computed"] and st["top"] == 10
    assert {c["case_id"]: c["probability"] for c in st["cases"]} == {
        c: expected_p[c] for c in {c["case_id"] for c in st["cases"]}
    }
    assert [c["rank"] for c in st["cases"]] == sorted(c["rank"] for c in st["cases"])


def test_a_case_far_ahead_is_in_the_top_with_probability_one(org_client, call):
    call.award_top_n = 2
    call.save()
    rows = random_rows(8, 4, seed=3)
    for j in range(4):
        rows[0][j] = (40, 60)  # every judge gives case 1 full marks; nobody else comes close
    for row in rows[1:]:
        for j in range(4):
            row[j] = (min(row[j][0], 25), min(row[j][1], 35))
    rnd, _judges, cases = scored_round(call, rows)

    _html, data = _stats(org_client, rnd)

    assert Result.objects.get(round=rnd, case=cases[0]).top_probability == 1.0
    first = next(c for c in data["stability"]["cases"] if c["case_id"] == cases[0].pk)
    assert (first["rank"], first["probability"]) == (1, 1.0)
    last = Result.objects.filter(round=rnd).order_by("-rank").first()
    assert last.top_probability < 0.5


def test_balanced_design_uses_a_complete_sub_block(org_client, call):
    from .setupkit import accepted_case, make_round, points_for

    judges = panel(4)
    cases = [accepted_case(call) for _ in range(8)]
    rnd = make_round(call, judges=judges, cases=cases, mode=Round.Mode.BALANCED, k=2)
    from judging.services.reviews import review_save

    values = iter(random_rows(16, 1, seed=5))
    for a in Assignment.objects.filter(round=rnd):
        review_save(assignment=a, actor=None, points=points_for(rnd, *next(values)[0]), submit=True)

    html, data = _stats(org_client, rnd)

    scores = round_scores(round=rnd)
    k = data["kendall"]
    # 8 cases share 6 possible judge pairs: some pair scored at least two cases together.
    assert k["complete"] is False and k["m"] == 2 and k["n"] >= 2
    assert all((j, c) in scores for j in k["judge_ids"] for c in k["case_ids"])
    assert k["w"] == scoring.kendalls_w(
        [[scores[(j, c)] for c in k["case_ids"]] for j in k["judge_ids"]]
    )
    assert "On the largest complete block found" in html


def test_kendall_not_available_without_a_common_block(call):
    # Each case scored by one judge only: no two judges share two cases.
    scores = {(1, "a"): 50.0, (2, "b"): 60.0, (3, "c"): 70.0, (1, "d"): 55.0}
    k = statistics.kendall(scores, names={}, codes={})
    assert k["w"] is None
    assert k["reason"].startswith("Not available: no two judges scored the same two cases")


def test_complete_block_drops_the_judge_whose_conflicts_break_it():
    # 4 judges score 6 cases, but judge 4 has conflicts with three of them.
    scores = {(j, c): float(10 * j + c) for j in (1, 2, 3, 4) for c in range(6)}
    for c in (0, 1, 2):
        del scores[(4, c)]

    block = statistics.complete_block(scores)

    assert (block.judges, sorted(block.cases)) == ([1, 2, 3], [0, 1, 2, 3, 4, 5])


def test_kendall_all_ties_is_not_available():
    scores = {(j, c): 50.0 for j in (1, 2) for c in ("a", "b", "c")}
    k = statistics.kendall(scores, names={}, codes={})
    assert k["w"] is None and "same score" in k["reason"]


def test_histogram_and_five_numbers():
    h = statistics.histogram([50.0, 55.0, 60.0, 99.0, 100.0])
    assert sum(h["counts"]) == 5 and h["edges"][0] <= 50 and h["edges"][-1] >= 100
    assert len(h["edges"]) == len(h["counts"]) + 1
    five = statistics.five_numbers([4.0, 1.0, 3.0, 2.0])
    assert five == {
        "n": 4,
        "min": 1.0,
        "q1": 1.75,
        "median": 2.5,
        "q3": 3.25,
        "max": 4.0,
        "mean": 2.5,
    }
    assert statistics.five_numbers([7.0])["q1"] == 7.0


def test_stats_page_of_a_round_without_scores(org_client, call):
    rnd, _j, _c = scored_round(call, [[None, None]], close=False)

    html, data = _stats(org_client, rnd)

    assert data["judges"] == [] and data["outliers"] == []
    assert data["kendall"]["w"] is None
    assert "No submitted scores yet." in html


def test_stats_are_cached_per_computation(org_client, call, django_assert_max_num_queries):
    rnd, _j, _c = scored_round(call, random_rows(4, 3))
    _stats(org_client, rnd)
    rnd.refresh_from_db()
    cached = statistics.round_statistics(round=rnd)

    with django_assert_max_num_queries(0):
        again = statistics.round_statistics(round=rnd)

    assert again == cached


def test_w_of_a_small_block_shows_its_size_and_says_it_means_little(org_client, call):
    """3 judges × 2 cases once showed a large “1.000”: W comes with its block, and a block of
    fewer than 4 cases or 3 judges is marked 样本太少，不具参考意义."""
    rnd, _judges, _cases = scored_round(call, [[(30, 50)] * 3, [(20, 30)] * 3])

    html, data = _stats(org_client, rnd)

    k = data["kendall"]
    assert (k["m"], k["n"], k["w"], k["too_small"]) == (3, 2, 1.0, True)
    assert '<span class="fs-6 text-body-secondary text-nowrap" id="kendall-block">' in html
    assert "(3 judges × 2 cases)" in html
    assert (
        'id="kendall-too-small">Too small a sample to be meaningful (fewer than 4 cases or 3 '
        "judges).</p>"
    ) in html
    assert 'class="display-6' not in html


def test_w_of_a_large_enough_block_has_no_warning(org_client, call):
    rnd, _judges, _cases = scored_round(call, random_rows(4, 3, seed=8))

    html, data = _stats(org_client, rnd)

    assert (data["kendall"]["m"], data["kendall"]["n"], data["kendall"]["too_small"]) == (
        3,
        4,
        False,
    )
    assert "(3 judges × 4 cases)" in html
    assert 'id="kendall-too-small"' not in html
