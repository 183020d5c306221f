"""Invitations and pledges: the expert's personal link (no login), the judge's pledge page, and
the organizer's actions on a round's invitations and pledge."""

from django.urls import path

from ..views import invitations

urlpatterns = [
    path("invitation/<str:token>/", invitations.invitation_respond, name="invitation"),
    path("rounds/<int:pk>/invite/", invitations.round_invite, name="round_invite"),
    path("invitations/<int:pk>/resend/", invitations.invitation_resend, name="invitation_resend"),
    path("rounds/<int:pk>/pledge-text/", invitations.round_pledge_text, name="round_pledge_text"),
    path(
        "rounds/<int:pk>/pledges.xlsx",
        invitations.round_pledges_export,
        name="round_pledges_export",
    ),
    path("review/rounds/<int:pk>/pledge/", invitations.pledge, name="pledge"),
]
