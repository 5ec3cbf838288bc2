"""HTML → PDF with WeasyPrint. The only module of the project that imports WeasyPrint.

The renderer may load nothing but our own static files (see `documents.rendering.fetcher`): the
clause HTML is sanitised upstream, and this fetcher is the second layer should anything slip
through (`<img src="file:…">`, CSS `url()` or `@import` to a network address, `<link
rel=attachment>`…). A refused URL is logged and skipped, the document still renders without it.

Archival and accessible: every PDF is PDF/A-3b (fonts embedded, sRGB output intent, XMP metadata
with `pdfaid:part=3`, `pdfaid:conformance=B`) and tagged (a structure tree of headings, lists, tables
with their header cells; `/MarkInfo /Marked true`), see `PDF_OPTIONS`. Compliance is only as good as
a validator says: the tests check the catalogue and the XMP, not the whole standard.

Determinism: the PDF dates (Info dictionary and XMP) come from the HTML's ``dcterms.created`` /
``dcterms.modified`` meta elements (the document's ``generated_on``), never from the clock; the file
identifier is a hash of the content.
"""

import logging

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .fetcher import STATIC_URL_PREFIX, RefusedURL, resolve_static_url

logger = logging.getLogger(__name__)

# WeasyPrint logs every layout step and fontTools every font subset at INFO: thousands of lines
# per document in the worker's log. Quiet them unless LOGGING in settings says otherwise.
for _name in ("weasyprint.progress", "fontTools"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)


# What `write_pdf` is given for every PDF the application writes.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint (≥ 68) URL fetcher that serves our static files and never opens anything else.

    `fetch` and `open` are replaced entirely, so urllib's handlers (file, http, ftp, data,
    redirects) are never reached. `refused` lists the URLs it turned down (for logs and tests).
    """

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused = []

    def fetch(self, url, headers=None):
        try:
            path, mime_type = resolve_static_url(url)
        except RefusedURL:
            self.refused.append(url)
            logger.warning("PDF renderer refused to load %r", url[:200])
            raise
        return URLFetcherResponse(STATIC_URL_PREFIX + path.name, path.read_bytes(), headers={"Content-Type": mime_type})

    def open(self, url, data=None, timeout=None):
        raise RefusedURL("Le moteur PDF n'ouvre aucune adresse.")

    def __call__(self, url):
        return self.fetch(url)


def weasyprint_html(html, url_fetcher=None):
    """The WeasyPrint document for our HTML, with the static-only fetcher (also used by bench/)."""
    return HTML(string=html, base_url=STATIC_URL_PREFIX, url_fetcher=url_fetcher or StaticOnlyURLFetcher())


def render_pdf(html, *, progress=None, url_fetcher=None):
    """PDF bytes of a full HTML document (see `documents.rendering.html.render_tender_html(for_print=True)`).

    PDF/A-3b and tagged (`PDF_OPTIONS`). `progress`, if given, is called with 10, 70 and 100 as the
    work advances. Any WeasyPrint
    error propagates: the caller records the document as failed.
    """
    report = progress or (lambda value: None)
    document = weasyprint_html(html, url_fetcher)
    report(10)
    rendered = document.render()
    report(70)
    data = rendered.write_pdf(**PDF_OPTIONS)
    report(100)
    return data
