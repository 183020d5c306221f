"""Judging URLs, one module per feature: the expert pool, rounds, assignment, the judges'
scoring pages, results, awards, the public notice, invitations and pledges."""

from . import (
    assignment,
    awards,
    consensus,
    drawing,
    invitations,
    notice,
    pool,
    results,
    rounds,
    scoring,
    signing,
)

app_name = "judging"

urlpatterns = [
    *rounds.urlpatterns,
    *pool.urlpatterns,
    *assignment.urlpatterns,
    *scoring.urlpatterns,
    *results.urlpatterns,
    *awards.urlpatterns,
    *notice.urlpatterns,
    *invitations.urlpatterns,
    *drawing.urlpatterns,
    *consensus.urlpatterns,
    *signing.urlpatterns,
]
