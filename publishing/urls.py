"""Publishing URLs, included at the site root.

Readers: /series/, /series/<slug>/, /series/<slug>/<number>/ (stable permalinks; the number is
an integer), the series feeds /series/<slug>/feed/atom/ and /rss/. Editors: /publish/…
"""

from django.urls import path

from .feeds import InstallmentAtomFeed, InstallmentRssFeed
from .views import editor, public

app_name = "publishing"

urlpatterns = [
    # readers
    path("series/", public.series_index, name="series_index"),
    path("series/<slug:slug>/", public.series_detail, name="series_detail"),
    path("series/<slug:slug>/feed/atom/", InstallmentAtomFeed(), name="feed_atom"),
    path("series/<slug:slug>/feed/rss/", InstallmentRssFeed(), name="feed_rss"),
    path("series/<slug:slug>/<int:number>/", public.installment_detail, name="installment_detail"),
    path("series/<slug:slug>/<int:number>/photos/<uuid:uid>.jpg", public.photo, name="photo"),
    # editors and organizers
    path("publish/", editor.series_list, name="series_list"),
    path("publish/calls/<slug:call_slug>/draft/", editor.series_draft, name="series_draft"),
    path("publish/series/<slug:slug>/", editor.series_edit, name="series_edit"),
    path("publish/series/<slug:slug>/add/", editor.installment_add, name="installment_add"),
    path(
        "publish/series/<slug:slug>/<int:number>/", editor.installment_edit, name="installment_edit"
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/preview/",
        editor.installment_preview,
        name="installment_preview",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/versions/<int:version>/",
        editor.installment_version,
        name="installment_version",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/publish/",
        editor.installment_publish,
        name="installment_publish",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/schedule/",
        editor.installment_schedule,
        name="installment_schedule",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/unschedule/",
        editor.installment_unschedule,
        name="installment_unschedule",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/withdraw/",
        editor.installment_withdraw,
        name="installment_withdraw",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/delete/",
        editor.installment_delete,
        name="installment_delete",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/export.<str:fmt>",
        editor.installment_export,
        name="installment_export",
    ),
    path(
        "publish/series/<slug:slug>/<int:number>/cases/add/", editor.feature_add, name="feature_add"
    ),
    path("publish/features/<int:pk>/", editor.feature_edit, name="feature_edit"),
    path("publish/features/<int:pk>/shift/", editor.feature_shift, name="feature_shift"),
    path("publish/features/<int:pk>/move/", editor.feature_move, name="feature_move"),
    path("publish/features/<int:pk>/remove/", editor.feature_remove, name="feature_remove"),
    path("publish/photos/<uuid:uid>/<str:variant>/", editor.source_photo, name="source_photo"),
]
