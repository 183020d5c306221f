"""Awards of a call (organizers): the proposal, adjustments with a reason, finalization."""

from django.urls import path

from ..views import results

urlpatterns = [
    path("results/calls/<slug:slug>/awards/", results.awards, name="awards"),
    path(
        "results/calls/<slug:slug>/awards/propose/", results.awards_propose, name="awards_propose"
    ),
    path("results/calls/<slug:slug>/awards/adjust/", results.award_adjust, name="award_adjust"),
    path("results/calls/<slug:slug>/finalize/", results.call_finalize, name="call_finalize"),
]
