"""Calls (organizers): list, create, the case overview, edit, open and close, extensions."""

from django.urls import path

from ..views import calls

urlpatterns = [
    path("calls/", calls.call_list, name="call_list"),
    path("calls/new/", calls.call_create, name="call_create"),  # before calls/<slug>/
    path("calls/<slug:slug>/", calls.call_detail, name="call_detail"),
    path("calls/<slug:slug>/edit/", calls.call_edit, name="call_edit"),
    path("calls/<slug:slug>/cases.xlsx", calls.call_cases_export, name="call_cases_export"),
    path("calls/<slug:slug>/copy/", calls.call_copy, name="call_copy"),
    path("calls/<slug:slug>/status/", calls.call_status, name="call_status"),
    path("calls/<slug:slug>/extensions/", calls.extension_grant, name="extension_grant"),
]
