"""Units and their accounts (organizers): one by one or imported from a table."""

from django.urls import path

from ..views import units

urlpatterns = [
    path("units/", units.unit_list, name="unit_list"),
    path("units/import/", units.unit_import, name="unit_import"),
    path("units/invite/", units.account_invite, name="account_invite"),
]
