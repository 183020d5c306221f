"""Case collection URLs, one module per feature: calls, the case form, screening, cases, their
files, bulk import and units; a call's documents."""

from . import calls, cases, documents, files, form_fields, imports, screening, units

app_name = "submissions"

urlpatterns = [
    *calls.urlpatterns,
    *documents.urlpatterns,
    *form_fields.urlpatterns,
    *screening.urlpatterns,
    *cases.urlpatterns,
    *files.urlpatterns,
    *imports.urlpatterns,
    *units.urlpatterns,
]
