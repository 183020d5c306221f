"""What readers see: published series and installments, their photos and feeds."""

from django.urls import path

from ..feeds import InstallmentAtomFeed, InstallmentRssFeed
from ..views import public

urlpatterns = [
    path("series/", public.series_index, name="series_index"),
    path("series/<slug:slug>/", public.series_detail, name="series_detail"),
    path("series/<slug:slug>/feed/atom/", InstallmentAtomFeed(), name="feed_atom"),
    path("series/<slug:slug>/feed/rss/", InstallmentRssFeed(), name="feed_rss"),
    path("series/<slug:slug>/<int:number>/", public.installment_detail, name="installment_detail"),
    path("series/<slug:slug>/<int:number>/photos/<uuid:uid>.jpg", public.photo, name="photo"),
]
