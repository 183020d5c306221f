from django.urls import path

from .views import setup

# Owned by the setup/scoring work: pool, rounds, assignment, progress, the judge's pages.
urlpatterns = [
    path("", setup.home, name="home"),
]
