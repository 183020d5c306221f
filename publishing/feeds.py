"""RSS 2.0 and Atom feeds of a series' published installments (Django's syndication framework).
Item ids (RSS guid, Atom id) are the absolute permalinks.

Feeds are read by machines without a session, so they always show the readers' view."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from core.text import xml_text

from . import content as content_mod
from . import selectors
from .models import Series


class InstallmentRssFeed(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    language = "zh-cn"

    def get_object(self, request, slug):
        try:
            return selectors.series_visible_to(None).get(slug=slug)
        except Series.DoesNotExist:
            raise Http404

    def title(self, obj):
        return xml_text(obj.title)

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return xml_text(f"主办：{obj.host_line}" if obj.host_line else obj.title)

    subtitle = description

    def items(self, obj):
        items = list(selectors.feed_installments(series=obj))
        for inst in items:
            inst.series = obj
        return items

    def item_title(self, item):
        content = item.current_version.content
        return xml_text(f"{content['heading']} {content['headline']}").strip()

    def item_description(self, item):
        content = item.current_version.content
        note = "".join(content.get("editors_note") or [])
        cases = content_mod.summary(content)
        return xml_text(f"{content_mod.NOTE_LABEL}{note}\n{cases}" if note else cases)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.current_version.published_at

    def item_author_name(self, item):
        return xml_text(item.current_version.content.get("byline") or "") or None


class InstallmentAtomFeed(InstallmentRssFeed):
    """The same items; ids are the absolute permalinks (stable)."""

    feed_type = Atom1Feed
