"""TenderDocument (plain dict, see docs/RENDERING.md) → HTML, through template partials.

`render_tender_html(doc, for_print=True)` is the input of `documents.rendering.pdf.render_pdf`;
`render_tender_preview_fragment(doc)` is the same body without ``<html>`` for the editor's live
preview. Only the article's ``body_html`` (sanitised upstream by clause_library.markdown) is marked
safe; every other value is auto-escaped by the template engine.

`render_document` is meant for other documents (the evaluation report) too; numbers, percentages and
dates are written by organizations.formatting, in the document's language.
"""

from decimal import Decimal, InvalidOperation

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from organizations.formatting import format_date_words, format_percent

from .fetcher import static_print_url
from .preamble import annex_preamble

PRINT_CSS = "css/print.css"
MAX_DEPTH_CLASS = 4


def kind_label(kind):
    return {
        "scored": gettext("Critère noté"),
        "price": gettext("Prix"),
        "eliminatory": gettext("Exigence éliminatoire"),
    }.get(kind, kind)


def article_anchor(number):
    return "article-" + str(number).replace(".", "-")


def _article_context(article):
    return {
        **article,
        "anchor": article_anchor(article["number"]),
        "body_safe": mark_safe(article.get("body_html") or ""),
        "question_safe": mark_safe(article.get("question_html") or ""),
        "appreciation_safe": mark_safe(article.get("appreciation_html") or ""),
    }


def document_context(doc, *, for_print):
    """The template context: the dict's values plus anchors and display strings (no new facts)."""
    language = doc.get("language", "fr")
    sections = []
    for section in doc.get("sections", []):
        articles = [_article_context(article) for article in section.get("articles", [])]
        sections.append({**section, "anchor": f"section-{section['number']}", "articles": articles})
    criteria = [
        {
            **criterion,
            "depth_class": min(int(criterion.get("depth") or 0), MAX_DEPTH_CLASS),
            "kind_label": kind_label(criterion.get("kind")),
            "weight_display": format_percent(criterion.get("weight"), language=language),
            "global_weight_display": format_percent(criterion.get("global_weight"), language=language),
            "article_anchor": article_anchor(criterion["article"]) if criterion.get("article") else "",
        }
        for criterion in doc.get("criteria", [])
    ]
    return {
        "doc": {**doc, "sections": sections},
        "annex_sections": [s for s in sections if s.get("destination", "annex") == "annex"],
        "criteria": criteria,
        "generated_on_words": format_date_words(doc["generated_on"], language=language),
        "preamble": annex_preamble(doc),
        "for_print": for_print,
        "print_css_url": static_print_url(PRINT_CSS) if for_print else static(PRINT_CSS),
    }


def render_document(template_name, context, language):
    """Render a document template in the document's language (not the request's)."""
    with translation.override(language):
        return render_to_string(template_name, context)


def render_tender_html(doc, *, for_print=False):
    """The technical annex as an HTML document; `for_print` links print.css for the PDF fetcher."""
    return render_piece_html(doc, "annex", for_print=for_print)


def render_tender_preview_fragment(doc):
    """Only the annex's body (no ``<html>``/``<head>``), to embed in the editor's preview pane."""
    language = doc.get("language", "fr")
    with translation.override(language):
        context = piece_context(doc, "annex", for_print=False)
    return render_document("tenders/documents/_body.html", context, language)


# Pieces of the tender file ------------------------------------------------------------------------

PIECE_TEMPLATES = {
    "annex": "tenders/documents/_body.html",
    "ccap": "tenders/documents/_ccap_body.html",
    "rc": "tenders/documents/_rc_body.html",
    "buyer_note": "tenders/documents/_buyer_note_body.html",
    "gdpr_annex": "tenders/documents/_gdpr_annex_body.html",
}


def piece_title(doc, piece):
    """The piece's printed name, in the active language."""
    if piece == "annex":
        return gettext("Annexe n° %(number)s au CCTP — Annexe technique d'interopérabilité") % {
            "number": doc.get("annex_number") or "1"
        }
    if piece == "ccap":
        return gettext("Clauses administratives (extrait de CCAP)")
    if piece == "rc":
        return gettext("Règlement de la consultation (extrait)")
    if piece == "price_schedule":
        return gettext("Bordereau des prix")
    if piece == "questionnaire":
        return gettext("Cadre de réponse")
    if piece == "buyer_note":
        return gettext("Note de l'acheteur")
    if piece == "gdpr_annex":
        return gettext("Annexe RGPD au CCAP")
    return piece


def piece_articles(doc, destination):
    """The articles of one piece (`ccap`, `rc`, `price`, or `annex`), in number order."""
    return [
        article
        for section in doc.get("sections", [])
        if section.get("destination", "annex") == destination
        for article in section.get("articles", [])
    ]


def gdpr_annex_articles(doc):
    """The CCAP articles printed as the CCAP's GDPR annex (`ccap_annex` set by tenders/composition.py)."""
    return [article for article in piece_articles(doc, "ccap") if article.get("ccap_annex") == "gdpr"]


def _ccag_sort_key(article):
    return [int(part) if part.isdigit() else 0 for part in str(article).split(".")]


def derogations(doc):
    """[{"ccag_article", "articles": [{"number","title"}]}] sorted by CCAG-TIC article: the CCAP's last article."""
    by_article = {}
    for article in piece_articles(doc, "ccap"):
        for ccag_article in article.get("derogations") or []:
            entries = by_article.setdefault(str(ccag_article), [])
            if article["number"] not in [entry["number"] for entry in entries]:
                entries.append({"number": article["number"], "title": article["title"]})
    return [{"ccag_article": key, "articles": by_article[key]} for key in sorted(by_article, key=_ccag_sort_key)]


def derogations_article_number(doc):
    """The number of the CCAP's last article (after its clauses): "C{n+1}"."""
    return f"C{len(piece_articles(doc, 'ccap')) + 1}"


def weight_places(value):
    """Decimals to print a weight with: two, or more when the applied weight has them (never rounded)."""
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except (InvalidOperation, TypeError, ValueError):
        return 2
    return max(2, -exponent) if isinstance(exponent, int) else 2


def price_basis_text(doc):
    """The RC's « Prix comparé » paragraph: the amount the price criterion compares (doc["price"] when the
    tender states it, else the total excluding VAT of the price schedule over the contract's duration)."""
    price = doc.get("price") or {}
    basis = str(price.get("basis") or "").strip()
    if basis:
        text = basis
    elif price.get("duration_months"):
        text = gettext(
            "Le prix comparé est le montant total hors TVA du bordereau des prix, toutes lignes comprises, "
            "sur la durée du marché, soit %(months)s mois."
        ) % {"months": price["duration_months"]}
    else:
        text = gettext(
            "Le prix comparé est le montant total hors TVA du bordereau des prix, toutes lignes comprises, "
            "sur toute la durée du marché."
        )
    label = str(price.get("total_label") or "").strip()
    if label:
        text += " " + gettext("Ce montant est celui de la ligne « %(label)s » du bordereau des prix.") % {
            "label": label
        }
    return text


def scoring_grid(doc, rows):
    """The grid annexed to the RC: one entry per scored sub-criterion linked to an article of the tender,
    with the article's rubric levels (highest score first) and its appreciation."""
    articles = {a["number"]: a for section in doc.get("sections", []) for a in section.get("articles", [])}
    grid = []
    for row in rows:
        article = articles.get(row.get("article"))
        if row.get("kind") != "scored" or article is None or not (article.get("rubric") or article.get("appreciation")):
            continue
        levels = sorted(
            (level for level in article.get("rubric") or [] if level.get("description")),
            key=lambda level: -(level.get("score") or 0),
        )
        grid.append(
            {
                "number": row["number"],
                "name": row["name"],
                "weight_display": row["global_weight_display"],
                "scale_max": row.get("scale_max") or article.get("scale_max"),
                "article": article["number"],
                "title": article.get("title", ""),
                "appreciation": article.get("appreciation") or "",
                "levels": [{"score": level.get("score"), "description": level["description"]} for level in levels],
            }
        )
    return grid


def rc_criteria(doc):
    """Criteria rows for the RC with the weights applied (two decimals, more only when the applied weight
    has them), the total of the top level, the scoring method's texts (scoring's, in doc["scoring_method"]),
    the price basis, the grid annexed and the demonstration scenario when an RC article requires one."""
    language = doc.get("language", "fr")
    rows, total, total_places = [], Decimal(0), 2
    for criterion in doc.get("criteria", []):
        # The applied weight (scoring's provider), else rounded upstream; a bare document shows its own.
        rounded = criterion.get("rounded_global_weight", criterion.get("global_weight"))
        weighted = criterion.get("weight") is not None
        places = weight_places(rounded)
        kind = kind_label(criterion.get("kind"))
        if criterion.get("scale_max"):
            kind = gettext("%(kind)s, de 0 à %(max)s") % {"kind": kind, "max": criterion["scale_max"]}
        rows.append(
            {
                **criterion,
                "depth_class": min(int(criterion.get("depth") or 0), MAX_DEPTH_CLASS),
                "kind_label": kind,
                "weight_display": format_percent(criterion["weight"], 2, trim=False, language=language)
                if weighted
                else "—",
                "global_weight_display": format_percent(rounded, places, trim=False, language=language)
                if rounded is not None
                else "—",
                "article_anchor": "",
            }
        )
        if rounded is not None and not criterion.get("depth"):
            total += Decimal(str(rounded))
            total_places = max(total_places, places)
    method = doc.get("scoring_method") or None
    demonstration = doc.get("demonstration") or None
    return {
        "rows": rows,
        "total_display": format_percent(total, total_places, trim=False, language=language),
        "eliminatory": [row for row in rows if row.get("kind") == "eliminatory"],
        "method": method,
        "price": method["price"] if method else None,
        "tie_break": method["tie_break"] if method else "",
        "price_basis": price_basis_text(doc),
        "allotment": doc.get("allotment"),
        "grid": scoring_grid(doc, rows),
        "demonstration": demonstration,
        "demonstration_articles": ", ".join(demonstration["required_by"]) if demonstration else "",
    }


def with_defaults(doc):
    """The document with the keys older plain documents (and the bench's sample) may lack."""
    return {"draft": False, "version": {"number": None, "label": ""}, "annex_number": "1", "glossary": [], **doc}


def piece_context(doc, piece, *, for_print):
    """`document_context` plus what one piece of the tender file shows."""
    doc = with_defaults(doc)
    context = document_context(doc, for_print=for_print)
    context.update(
        {
            "piece": piece,
            "piece_title": piece_title(doc, piece),
            "body_template": PIECE_TEMPLATES[piece],
            "ccap_articles": [_article_context(a) for a in piece_articles(doc, "ccap")],
            "rc_articles": [_article_context(a) for a in piece_articles(doc, "rc")],
            "gdpr_articles": [_article_context(a) for a in gdpr_annex_articles(doc)],
            "annex_questions": [q for q in doc.get("questions", []) if q.get("destination", "annex") == "annex"],
            "derogations": derogations(doc),
            "derogations_number": derogations_article_number(doc),
            # Which library clause each article comes from: buyer-only (the note), never in a published piece.
            "traceability": [
                {"number": a["number"], "key": a.get("key", ""), "version": a.get("clause_version", "")}
                for section in doc.get("sections", [])
                for a in section.get("articles", [])
            ]
            if piece == "buyer_note"
            else [],
            "all_articles": [
                _article_context(a) for section in doc.get("sections", []) for a in section.get("articles", [])
            ]
            if piece == "buyer_note"
            else [],
        }
    )
    if piece == "rc":
        context["rc"] = rc_criteria(doc)
    return context


def render_piece_html(doc, piece, *, for_print=False):
    """One piece of the tender file (`annex`, `ccap`, `rc`, or the buyer's own `buyer_note`) as a whole
    HTML document for the PDF writer."""
    language = doc.get("language", "fr")
    with translation.override(language):
        context = piece_context(doc, piece, for_print=for_print)
    return render_document("tenders/documents/tender.html", context, language)


def page_text(page):
    """The text a reader sees in an HTML piece (the body, tags removed, entities read), for the
    document pipeline's guard (tenders/composition.py): what the PDF will print."""
    import html as html_module
    import re

    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.DOTALL | re.IGNORECASE)
    body = re.sub(r"<(br|/p|/li|/tr|/h\d|/div|/dd|/dt|/td|/th)\b[^>]*>", "\n", body, flags=re.IGNORECASE)
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", body))
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
