"""The public notice (公示): the organizer's page, publishing it, objections and answers, and
the public page everyone may read once it is published."""

from django.urls import path

from ..views import public, results

urlpatterns = [
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
    path("notice/<slug:slug>/", public.public_notice, name="public_notice"),
]
