"""The judging start page and rounds (organizers): setup, panel, cases, status, progress and
reminders."""

from django.urls import path

from ..views import setup

urlpatterns = [
    path("", setup.home, name="home"),
    path("calls/<slug:slug>/rounds/new/", setup.round_create, name="round_create"),
    path("rounds/<int:pk>/", setup.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", setup.round_edit, name="round_edit"),
    path("rounds/<int:pk>/panel/", setup.round_panel, name="round_panel"),
    path("rounds/<int:pk>/cases/", setup.round_entries, name="round_entries"),
    path("rounds/<int:pk>/status/", setup.round_status, name="round_status"),
    path("rounds/<int:pk>/add-accepted/", setup.round_add_accepted, name="round_add_accepted"),
    path("rounds/<int:pk>/end-collection/", setup.call_collection_end, name="call_collection_end"),
    path("rounds/<int:pk>/progress/", setup.round_progress, name="round_progress"),
    path("rounds/<int:pk>/remind/", setup.round_remind, name="round_remind"),
]
