"""Judging URLs. Each part keeps its own pattern list (setup and scoring; results and notice)."""

from .urls_results import urlpatterns as results_patterns
from .urls_setup import urlpatterns as setup_patterns

app_name = "judging"

urlpatterns = setup_patterns + results_patterns
