"""Consensus discussions (合议), the panel leader and ties decided by people."""

from django.urls import path

from ..views import consensus

urlpatterns = [
    path("results/rounds/<int:pk>/consensus/", consensus.round_consensus, name="round_consensus"),
    path(
        "results/rounds/<int:pk>/consensus/leader/",
        consensus.round_set_leader,
        name="round_set_leader",
    ),
    path(
        "results/rounds/<int:pk>/consensus/open/", consensus.discussion_open, name="discussion_open"
    ),
    path("results/rounds/<int:pk>/ties/decide/", consensus.tie_decide, name="tie_decide"),
    path("discussions/<int:pk>/", consensus.discussion, name="discussion"),
    path("discussions/<int:pk>/comment/", consensus.discussion_comment, name="discussion_comment"),
    path("discussions/<int:pk>/revise/", consensus.discussion_revise, name="discussion_revise"),
    path("discussions/<int:pk>/decide/", consensus.discussion_decide, name="discussion_decide"),
]
