"""Case collection URLs, one module per feature: calls, the case form, screening, cases, their
files and receipts, their chunked uploads, bulk import and units; a call's documents (the
receipts' public page: verify.py)."""

from . import (
    calls,
    cases,
    documents,
    files,
    form_fields,
    imports,
    receipts,
    screening,
    units,
    uploads,
)

app_name = "submissions"

urlpatterns = [
    *calls.urlpatterns,
    *documents.urlpatterns,
    *form_fields.urlpatterns,
    *screening.urlpatterns,
    *cases.urlpatterns,
    *files.urlpatterns,
    *receipts.urlpatterns,
    *uploads.urlpatterns,
    *imports.urlpatterns,
    *units.urlpatterns,
]
