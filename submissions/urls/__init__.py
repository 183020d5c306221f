"""Case collection URLs, one module per feature: calls, screening, cases, their files, bulk
import and units."""

from . import calls, cases, files, imports, screening, units

app_name = "submissions"

urlpatterns = [
    *calls.urlpatterns,
    *screening.urlpatterns,
    *cases.urlpatterns,
    *files.urlpatterns,
    *imports.urlpatterns,
    *units.urlpatterns,
]
