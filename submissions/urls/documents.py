"""A call's documents (the organizer adds and removes them; anyone downloads those of a call
out of draft) and the import template offered publicly while the call is open."""

from django.urls import path

from ..views import documents

urlpatterns = [
    path("calls/<slug:slug>/documents/", documents.document_add, name="call_document_add"),
    path(
        "calls/<slug:slug>/documents/<uuid:uid>/",
        documents.document_file,
        name="call_document",
    ),
    path(
        "calls/<slug:slug>/documents/<uuid:uid>/remove/",
        documents.document_remove,
        name="call_document_remove",
    ),
    path("calls/<slug:slug>/template.xlsx", documents.call_template, name="call_template"),
]
