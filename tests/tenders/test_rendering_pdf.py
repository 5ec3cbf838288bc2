"""The PDF pipeline (HTML → WeasyPrint) read back with pypdf, and the fetcher that must load nothing foreign."""

import http.server
import io
import re
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.rendering.fetcher import RefusedURL, resolve_static_url, static_print_url
from documents.rendering.html import render_tender_html
from documents.rendering.pdf import StaticOnlyURLFetcher, render_pdf

from .test_rendering import all_articles, build_document


def pdf_pages(data):
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def rendered():
    doc = build_document()
    progress = []
    data = render_pdf(render_tender_html(doc, for_print=True), progress=progress.append)
    return doc, data, progress


def test_it_holds_every_article_title_and_filled_value(rendered):
    doc, data, _progress = rendered
    text = " ".join(" ".join(pdf_pages(data)).split())  # table cells may wrap
    for article in all_articles(doc):
        assert article["title"] in text
        assert f"Article {article['number']}" in text
        assert article["parameters"][0]["value"] in text
    for counter in range(1, 11):
        assert f"CHU Valeur{counter}" in text
    assert "{{" not in text and "}}" not in text
    assert "Sous-sous-critère SMART" not in text  # weights are in the RC, not the annex (issue 12)


def test_it_has_page_x_of_y_footers_and_the_reference_in_the_running_header(rendered):
    _doc, data, _progress = rendered
    pages = pdf_pages(data)
    total = len(pages)
    assert total > 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / {total}" in text
        if number > 1:
            assert "AO-2026-014" in text
            assert "Dossier patient informatisé" in text  # running title on the left


def test_it_fills_the_table_of_contents_with_real_page_numbers(rendered):
    doc, data, _progress = rendered
    pages = pdf_pages(data)
    toc = pages[1]
    assert "Sommaire" in toc
    for article in all_articles(doc)[:4]:
        heading = f"Article {article['number']} — {article['title']}"
        match = re.search(re.escape(heading) + r"[ .]*(\d+)", toc)
        assert match, heading
        page = int(match.group(1))
        assert heading in pages[page - 1]


def test_it_reports_progress_up_to_100(rendered):
    _doc, _data, progress = rendered
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 3


def test_it_writes_fixed_metadata_and_the_same_bytes_twice():
    html = render_tender_html(build_document(), for_print=True)
    first, second = render_pdf(html), render_pdf(html)
    assert first == second
    info = PdfReader(io.BytesIO(first)).metadata
    assert info["/CreationDate"].startswith("D:20261128")
    assert info["/Title"].startswith("AO-2026-014")


# The fetcher ----------------------------------------------------------------------------------


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's API)
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def hostile_markup(base, secret_url):
    return f"""
<img src="file:///etc/hostname" alt="">
<img src="{secret_url}" alt=""><link rel="attachment" href="{secret_url}">
<link rel="stylesheet" href="{secret_url}">
<img src="{base}/img.png" alt="">
<img src="clausier-static:///../../../../etc/hostname" alt="">
<embed src="{base}/embed.png"><object data="{base}/object.png"></object>
<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
<link rel="stylesheet" href="{base}/link.css"><link rel="attachment" href="file:///etc/hostname">
<link rel="attachment" href="{base}/attachment.txt">
<style>
@import url("{base}/import.css");
@import url("file:///etc/hostname");
@font-face {{ font-family: Evil; src: url("{base}/font.woff"); }}
.doc-article-body {{ font-family: Evil; background: url("{base}/background.png"); }}
.doc-cover {{ background-image: url("file:///etc/hostname"); list-style-image: url("{base}/list.png"); }}
</style>
<p>Texte après les balises hostiles.</p>
"""


def hostname_text():
    path = Path("/etc/hostname")
    return path.read_text().strip() if path.exists() else ""


def test_it_fetches_nothing_foreign_from_article_bodies_or_injected_css(listener, tmp_path):
    base, received = listener
    secret_file = tmp_path / "secret.css"
    secret_file.write_text("p::after { content: 'SECRET-7c1e0f' }")
    secret_url = secret_file.as_uri()
    doc = build_document()
    doc["sections"][0]["articles"][0]["body_html"] += hostile_markup(base, secret_url)
    html = render_tender_html(doc, for_print=True)
    # Also inject straight into <head>, past any template, to test the fetcher layer alone.
    html = html.replace("</head>", hostile_markup(base, secret_url) + "</head>")
    fetcher = StaticOnlyURLFetcher()
    data = render_pdf(html, url_fetcher=fetcher)

    assert received == []
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "SECRET-7c1e0f" not in text
    assert secret_url in fetcher.refused
    hostname = hostname_text()
    if hostname:
        assert not re.search(r"\b" + re.escape(hostname) + r"\b", text)
    assert not reader.attachments
    assert "Texte après les balises hostiles." in text
    assert any(url.startswith("file:") for url in fetcher.refused)
    assert any(url.startswith(base) for url in fetcher.refused)
    assert "clausier-static:///css/print.css" not in fetcher.refused  # our own stylesheet still loads


def test_it_refuses_dev_urandom_without_reading_it():
    fetcher = StaticOnlyURLFetcher()
    render_pdf('<html><body><img src="file:///dev/urandom"><p>ok</p></body></html>', url_fetcher=fetcher)
    assert fetcher.refused == ["file:///dev/urandom"]


def test_it_serves_our_static_files_by_the_fixed_scheme():
    path, mime_type = resolve_static_url(static_print_url("css/print.css"))
    assert path.name == "print.css" and mime_type == "text/css"
    response = StaticOnlyURLFetcher().fetch("clausier-static:///css/print.css")
    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "file:///work/main/static/css/print.css",
        "http://127.0.0.1:8000/static/css/print.css",
        "https://example.org/print.css",
        "data:text/css,p{color:red}",
        "ftp://example.org/x.css",
        "css/print.css",
        "/static/css/print.css",
        "clausier-static:///../config/settings.py",
        "clausier-static:///css/../../config/settings.css",
        "clausier-static:///css/%2e%2e/%2e%2e/etc/hostname.css",
        "clausier-static://evil.example/css/print.css",
        "clausier-static:///css/print.css?x=1",
        "clausier-static:///css/print.py",
        "clausier-static:///css/missing.css",
        "CLAUSIER-STATIC:///..%5c..%5cetc%5chostname.css",
    ],
)
def test_it_refuses_everything_but_our_static_files(url):
    with pytest.raises(RefusedURL):
        resolve_static_url(url)
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().fetch(url)


def test_it_never_opens_urls_through_urllib():
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().open("http://127.0.0.1:1/")
