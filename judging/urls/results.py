"""Results of a round (organizers): the ranking table, recomputing, statistics, score import,
the 评分汇总表 and the judges' score sheets."""

from django.urls import path

from ..views import exports, results

urlpatterns = [
    path("results/", results.results_index, name="results_index"),
    path("results/rounds/<int:pk>/", results.results, name="round_results"),
    path("results/rounds/<int:pk>/recompute/", results.results_recompute, name="results_recompute"),
    path("results/rounds/<int:pk>/statistics/", results.results_stats, name="results_stats"),
    path("results/rounds/<int:pk>/import/", results.results_import, name="results_import"),
    path("results/rounds/<int:pk>/summary.xlsx", exports.results_export, name="results_export"),
    path("results/rounds/<int:pk>/sheets/", exports.judge_sheets, name="judge_sheets"),
    path(
        "results/rounds/<int:pk>/sheets/<int:judge_pk>.xlsx",
        exports.judge_sheet_xlsx,
        name="judge_sheet_xlsx",
    ),
    path(
        "results/rounds/<int:pk>/sheets/<int:judge_pk>/",
        exports.judge_sheet_print,
        name="judge_sheet_print",
    ),
]
