"""TenderDocument (plain dict, see docs/RENDERING.md) → HTML, through template partials.

`render_tender_html(doc, for_print=True)` is the input of `documents.rendering.pdf.render_pdf`;
`render_tender_preview_fragment(doc)` is the same body without ``<html>`` for the editor's live
preview. Only the article's ``body_html`` (sanitised upstream by clause_library.markdown) is marked
safe; every other value is auto-escaped by the template engine.

The generic helpers (`format_percent`, `format_date`, `render_document`) are meant for other
documents (the evaluation report) too.
"""

import datetime

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .fetcher import static_print_url

PRINT_CSS = "css/print.css"
MAX_DEPTH_CLASS = 4


def format_percent(value, language="fr"):
    """``12.5`` → ``"12,5 %"`` in French, ``"12.5 %"`` in English; ``None`` → ``""``."""
    if value is None:
        return ""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    if language == "fr":
        text = text.replace(".", ",")
    return text + "\u00a0%"


def format_date(iso_date):
    """A ``date`` from an ISO date string (``"2026-11-28"``), for the ``date`` template filter."""
    if isinstance(iso_date, datetime.date):
        return iso_date
    return datetime.date.fromisoformat(str(iso_date)[:10])


def kind_label(kind):
    return {
        "scored": gettext("Critère noté"),
        "price": gettext("Prix"),
        "eliminatory": gettext("Exigence éliminatoire"),
    }.get(kind, kind)


def article_anchor(number):
    return "article-" + str(number).replace(".", "-")


def document_context(doc, *, for_print):
    """The template context: the dict's values plus anchors and display strings (no new facts)."""
    language = doc.get("language", "fr")
    sections = []
    for section in doc.get("sections", []):
        articles = [
            {
                **article,
                "anchor": article_anchor(article["number"]),
                "body_safe": mark_safe(article.get("body_html") or ""),
            }
            for article in section.get("articles", [])
        ]
        sections.append({**section, "anchor": f"section-{section['number']}", "articles": articles})
    criteria = [
        {
            **criterion,
            "depth_class": min(int(criterion.get("depth") or 0), MAX_DEPTH_CLASS),
            "kind_label": kind_label(criterion.get("kind")),
            "weight_display": format_percent(criterion.get("weight"), language),
            "global_weight_display": format_percent(criterion.get("global_weight"), language),
            "article_anchor": article_anchor(criterion["article"]) if criterion.get("article") else "",
        }
        for criterion in doc.get("criteria", [])
    ]
    return {
        "doc": {**doc, "sections": sections},
        "criteria": criteria,
        "generated_on": format_date(doc["generated_on"]),
        "for_print": for_print,
        "print_css_url": static_print_url(PRINT_CSS) if for_print else static(PRINT_CSS),
    }


def render_document(template_name, context, language):
    """Render a document template in the document's language (not the request's)."""
    with translation.override(language):
        return render_to_string(template_name, context)


def render_tender_html(doc, *, for_print=False):
    """The whole tender annex as an HTML document; `for_print` links print.css for the PDF fetcher."""
    language = doc.get("language", "fr")
    with translation.override(language):
        context = document_context(doc, for_print=for_print)
    return render_document("tenders/documents/tender.html", context, language)


def render_tender_preview_fragment(doc):
    """Only the document body (no ``<html>``/``<head>``), to embed in the editor's preview pane."""
    language = doc.get("language", "fr")
    with translation.override(language):
        context = document_context(doc, for_print=False)
    return render_document("tenders/documents/_body.html", context, language)
