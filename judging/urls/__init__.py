"""Judging URLs, one module per feature: the expert pool, rounds, assignment, the judges'
scoring pages, results, awards and the public notice."""

from . import assignment, awards, notice, pool, results, rounds, scoring, signing

app_name = "judging"

urlpatterns = [
    *rounds.urlpatterns,
    *pool.urlpatterns,
    *assignment.urlpatterns,
    *scoring.urlpatterns,
    *results.urlpatterns,
    *awards.urlpatterns,
    *notice.urlpatterns,
    *signing.urlpatterns,
]
