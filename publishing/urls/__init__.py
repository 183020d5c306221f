"""Publishing URLs, included at the site root, one module per feature.

Anyone (home.py): /calls/<slug>/, a call out of draft.
Readers (reading.py): /series/, /series/<slug>/, /series/<slug>/<number>/ (stable permalinks;
the number is an integer), the series feeds /series/<slug>/feed/atom/ and /rss/. Editors:
/publish/… — series (series.py), installments (installments.py), the cases in them
(features.py).
"""

from . import features, home, installments, reading, series

app_name = "publishing"

urlpatterns = [
    *home.urlpatterns,
    *reading.urlpatterns,
    *series.urlpatterns,
    *installments.urlpatterns,
    *features.urlpatterns,
]
