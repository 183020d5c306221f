"""Case collection URLs, one module per feature: calls, the case form, screening, cases, their
files, their chunked uploads, bulk import and units."""

from . import calls, cases, files, form_fields, imports, screening, units, uploads

app_name = "submissions"

urlpatterns = [
    *calls.urlpatterns,
    *form_fields.urlpatterns,
    *screening.urlpatterns,
    *cases.urlpatterns,
    *files.urlpatterns,
    *uploads.urlpatterns,
    *imports.urlpatterns,
    *units.urlpatterns,
]
