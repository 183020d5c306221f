"""The public call pages (the home `/` itself is named "home" in civiccases/urls.py)."""

from django.urls import path

from ..views import home

urlpatterns = [
    path("calls/<slug:slug>/", home.call_detail, name="call_public"),
]
