"""RSS 2.0 and Atom feeds of a series' published installments (Django's syndication framework).
Item ids (RSS guid, Atom id) are the absolute permalinks.

Feeds are read by machines without a session, so they always show the readers' view.

Feed readers render some elements as HTML: RSS `<description>` (the channel's and the items')
and Atom elements with type="html" (Django writes the entry `<summary>` so). Text typed by
editors (the note, the case titles, the host line) goes into those only through `_html`: escaped,
so a reader shows exactly what was typed and never runs a tag or a javascript: link. Every other
element (titles, Atom subtitle, author names) is plain text, and gets the text as typed."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape

from core.text import xml_text

from . import content as content_mod
from . import selectors
from .models import Series


def _html(text: str) -> str:
    """Plain text as HTML that shows exactly it: escaped, line breaks as <br>."""
    return "<br>".join(escape(line) for line in xml_text(text).split("\n"))


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

    def subtitle(self, obj):
        """Atom <subtitle> (plain text)."""
        return xml_text(f"主办：{obj.host_line}" if obj.host_line else obj.title)

    def description(self, obj):
        """RSS channel <description> (HTML to readers)."""
        return _html(self.subtitle(obj))

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
        return _html(f"{content_mod.NOTE_LABEL}{note}\n{cases}" if note else cases)

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
