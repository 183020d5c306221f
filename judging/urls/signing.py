"""Signed results (签字确认) and the working calendar of the public notice."""

from django.urls import path

from ..views import signing

urlpatterns = [
    path("review/rounds/<int:pk>/sign/", signing.judge_sign, name="judge_sign"),
    path("results/rounds/<int:pk>/signing/", signing.round_signing, name="round_signing"),
    path("work-calendar/", signing.work_calendar, name="work_calendar"),
    path(
        "work-calendar/<int:pk>/delete/",
        signing.work_calendar_delete,
        name="work_calendar_delete",
    ),
]
