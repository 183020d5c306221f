"""PDF documents from HTML templates: receipts (回执) and award certificates (获奖证书).

WeasyPrint lays out HTML and CSS (paged media: `@page { size: A4 landscape }`) with the CJK fonts
the machine has (Debian's fonts-noto-cjk), so the organizer's certificate design is a template
and its text wraps and breaks as Chinese text should. Nothing is fetched from the network: the
url fetcher only answers data: URIs and files under the static folders (`static_url`). Stored
files (a certificate's seal and background) are read through their storage, which may be a
bucket rather than a folder, and given to the template as data: URIs.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

#: The font stacks of the PDF templates (Debian's fonts-noto-cjk).
SERIF = '"Noto Serif CJK SC", "Noto Serif CJK", "Noto Sans CJK SC", serif'
SANS = '"Noto Sans CJK SC", "Noto Sans CJK", sans-serif'


class PdfRefused(Exception):
    """A template asked for a resource the PDF renderer does not fetch."""


def _allowed_roots() -> list[Path]:
    roots = []
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    roots += [Path(p).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    return roots


def static_url(path: str) -> str:
    """A file: URL for a static file the finders know (a font, a logo), for PDF templates."""
    found = finders.find(path)
    if not found:
        raise PdfRefused(path)
    return Path(str(found)).resolve().as_uri()


def _import_weasyprint() -> None:
    """Import WeasyPrint (late: pango loads only where PDFs are made) and undo what its import
    does to Pillow: weasyprint/images.py sets `ImageFile.LOAD_TRUNCATED_IMAGES = True` for the
    whole process, which would let truncated photos pass validation in any web or Celery
    process that once made a PDF (submissions.images refuses to run with it set)."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False


def _local_fetcher():
    _import_weasyprint()
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """data: URIs, and file: URLs under the static folders; nothing else (no network, no
        other file, no stored upload by its path). A refused resource stops the rendering."""

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(url.split("?")[0].removeprefix("file://")).resolve()
                if not (path.is_file() and any(path.is_relative_to(r) for r in _allowed_roots())):
                    raise PdfRefused(url)
            elif not url.startswith("data:"):
                raise PdfRefused(url)
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)


def html_to_pdf(html: str) -> bytes:
    """Render an HTML document to PDF bytes."""
    _import_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    try:
        return HTML(string=html, url_fetcher=_local_fetcher(), base_url="file:///").write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: made an ordinary one
        raise PdfRefused(str(exc)) from exc


def render_pdf(template: str, context: dict) -> bytes:
    """Render a Django template (under templates/pdf/) to PDF bytes; `serif` and `sans` are the
    font stacks."""
    html = render_to_string(template, {"serif": SERIF, "sans": SANS, **context})
    return html_to_pdf(html)
