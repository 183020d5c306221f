"""Owned by the results work: results, statistics, score import, exports, awards, the public
notice (公示) and finalization. Everything under results/ is organizer-only; notice/<slug>/ is
the public page."""

from django.urls import path

from .views import exports, public, results

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
    path("results/calls/<slug:slug>/awards/", results.awards, name="awards"),
    path(
        "results/calls/<slug:slug>/awards/propose/", results.awards_propose, name="awards_propose"
    ),
    path("results/calls/<slug:slug>/awards/adjust/", results.award_adjust, name="award_adjust"),
    path("results/calls/<slug:slug>/notice/", results.notice, name="notice"),
    path(
        "results/calls/<slug:slug>/notice/publish/", results.notice_publish, name="notice_publish"
    ),
    path(
        "results/calls/<slug:slug>/notice/objections/",
        results.objection_record,
        name="objection_record",
    ),
    path("results/objections/<int:pk>/answer/", results.objection_answer, name="objection_answer"),
    path("results/calls/<slug:slug>/finalize/", results.call_finalize, name="call_finalize"),
    path("notice/<slug:slug>/", public.public_notice, name="public_notice"),
]
