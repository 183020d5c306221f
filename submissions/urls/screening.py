"""Screening (organizers): accept, reject or return cases, in bulk or one by one."""

from django.urls import path

from ..views import calls

urlpatterns = [
    path("calls/<slug:slug>/screen/", calls.call_screen, name="call_screen"),
    path("cases/<int:pk>/screen/", calls.case_screen, name="case_screen"),
    path("cases/<int:pk>/category/", calls.case_category, name="case_category"),
]
