"""Bulk import of cases collected offline (organizers): upload, template, progress."""

from django.urls import path

from ..views import imports

urlpatterns = [
    path("calls/<slug:slug>/import/", imports.import_start, name="import_start"),
    path("calls/<slug:slug>/import/template.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_status, name="import_status"),
    path("imports/<int:pk>/progress.json", imports.import_progress, name="import_progress"),
]
