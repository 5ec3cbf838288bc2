"""The tender file's pieces: technical annex, CCAP and RC extracts (PDF, DOCX), price schedule (XLSX),
the answer form (XLSX, DOCX) and the whole file zipped (`dce`).

Registered in TendersConfig.ready() (documents/registry.py). Each builds the plain TenderDocument
(docs/RENDERING.md) and hands it to a writer. The writers are imported inside the builders on
purpose: WeasyPrint, python-docx and openpyxl are heavy and only the worker needs them, so a web
process that never renders never loads them. Every piece returns the document's inputs digest, so
all pieces made from the same state of the tender carry the same one.
"""

import hashlib
import json

from django.utils import translation
from django.utils.translation import gettext

from documents import registry
from documents.services import RenderError
from organizations.formatting import format_date_words

from . import composition
from .models import Tender
from .selectors import tender_document


def _document(document, progress):
    tender = Tender.objects.select_related("organization").get(pk=document.tender_id)
    doc = tender_document(tender, lot=document.lot)
    progress(20)
    return doc


# The guard ---------------------------------------------------------------------------------------

# The articles each published piece prints (their Markdown sources are where a plain-word key or
# parameter name can still show as a code, tenders/composition.py `code_like`). None: every article.
PIECE_DESTINATIONS = {
    "annex": ("annex",),
    "ccap": ("ccap",),
    "gdpr_annex": ("ccap",),
    "rc": ("rc",),
    "price_schedule": ("price",),
    "questionnaire": None,
}
# Pieces that are never published: they may name the library's clauses (the buyer's note does).
UNGUARDED = ("buyer_note",)


def _printed_fields(article):
    """What a piece may print of an article, as (printed text, Markdown source) pairs."""
    yield article.get("title", ""), ""
    yield article.get("body_text", ""), article.get("body_markdown", "")
    yield article.get("question", ""), article.get("question_markdown", "")
    yield article.get("appreciation_text", ""), article.get("appreciation_markdown", "")
    for parameter in article.get("parameters") or []:
        yield f"{parameter.get('label', '')} {parameter.get('value', '')}", ""
    for key in ("references_normative", "references_legal"):
        for reference in article.get(key) or []:
            yield reference.get("text", ""), ""
    for level in article.get("rubric") or []:
        yield level.get("description", ""), ""


def _piece_articles(doc, piece):
    destinations = PIECE_DESTINATIONS.get(piece)
    return [
        article
        for section in doc.get("sections", [])
        for article in section.get("articles", [])
        if destinations is None or article.get("destination", "annex") in destinations
    ]


def guard_piece(doc, piece, text):
    """Raise RenderError, naming the article concerned in the document's language, when the text of
    a generated piece holds a library key or a parameter code (tenders/composition.py says which
    tokens count). Published pieces only; `text` is what the reader sees (HTML text before the PDF,
    the DOCX/XLSX text read back)."""
    if piece in UNGUARDED:
        return
    guard = composition.Guard.from_doc(doc)
    articles = _piece_articles(doc, piece)
    sources = "\n".join(source for article in articles for _text, source in _printed_fields(article))
    found = guard.find(text, sources=sources)
    if not found:
        return
    term = found[0]
    article_number = None
    for article in doc_articles(doc) if not articles else articles:
        for printed, source in _printed_fields(article):
            if term in guard.find(printed, sources=source):
                article_number = article["number"]
                break
        if article_number:
            break
    if article_number is None:
        article_number = composition.article_before(text, composition.locate(text, term))
    with translation.override(doc.get("language", "fr")):
        from documents.rendering.html import piece_title

        what = (
            gettext("une clé de la bibliothèque de clauses")
            if guard.kind_of(term) == "key"
            else gettext("un code de paramètre")
        )
        where = (
            gettext("l'article %(article)s") % {"article": article_number}
            if article_number
            else gettext("le texte généré")
        )
        if guard.kind_of(term) == "parameter" and f"[{term}]" in text:  # a value not given yet (a draft)
            raise RenderError(
                gettext(
                    "La pièce « %(piece)s » n'est pas produite : %(where)s n'a pas de valeur pour « %(term)s ». "
                    "Renseignez-la dans l'éditeur de l'appel d'offres."
                )
                % {"piece": piece_title(doc, piece), "where": where, "term": term}
            )
        raise RenderError(
            gettext(
                "La pièce « %(piece)s » n'est pas produite : %(where)s imprimerait « %(term)s », %(what)s. "
                "Corrigez le texte de la clause : un renvoi à une autre clause s'écrit {{ ref:clé }} et "
                "disparaît quand cette clause n'est pas au dossier."
            )
            % {"piece": piece_title(doc, piece), "where": where, "term": term, "what": what}
        )


def doc_articles(doc):
    return [article for section in doc.get("sections", []) for article in section.get("articles", [])]


# The pieces --------------------------------------------------------------------------------------


def _piece_pdf(piece):
    def build(document, progress):
        from documents.rendering import html, pdf  # heavy writer, loaded in the worker only

        doc = _document(document, progress)
        _require_piece(doc, piece)
        page = html.render_piece_html(doc, piece, for_print=True)
        guard_piece(doc, piece, html.page_text(page))
        progress(35)
        return pdf.render_pdf(page, progress=progress.scaled(35, 90)), doc["inputs_digest"]

    build.__name__ = build.__qualname__ = f"{piece}_pdf"
    return build


def _piece_docx(piece):
    def build(document, progress):
        from documents.rendering import docx  # heavy writer, loaded in the worker only

        doc = _document(document, progress)
        _require_piece(doc, piece)
        data = docx.render_piece_docx(doc, piece)
        guard_piece(doc, piece, docx.docx_text(data))
        return data, doc["inputs_digest"]

    build.__name__ = build.__qualname__ = f"{piece}_docx"
    return build


tender_pdf = _piece_pdf("annex")
tender_docx = _piece_docx("annex")
ccap_pdf = _piece_pdf("ccap")
ccap_docx = _piece_docx("ccap")
rc_pdf = _piece_pdf("rc")
rc_docx = _piece_docx("rc")
# Buyer-only: legal notes, informative references, completeness, which library clause each article is.
buyer_note_pdf = _piece_pdf("buyer_note")
buyer_note_docx = _piece_docx("buyer_note")
# The CCAP's GDPR annex, shipped as its own file when the tender has the clause.
gdpr_annex_pdf = _piece_pdf("gdpr_annex")
gdpr_annex_docx = _piece_docx("gdpr_annex")


def has_gdpr_annex(doc):
    return any(article.get("ccap_annex") == "gdpr" for article in doc_articles(doc))


def _require_piece(doc, piece):
    if piece == "gdpr_annex" and not has_gdpr_annex(doc):
        with translation.override(doc.get("language", "fr")):
            raise RenderError(
                gettext("Le dossier ne comporte pas de clause de sous-traitance au sens du RGPD : pas d'annexe RGPD.")
            )


def price_schedule_xlsx(document, progress):
    from documents.rendering import xlsx, xlsx_price  # heavy writers, loaded in the worker only

    doc = _document(document, progress)
    data = xlsx_price.render_price_schedule_xlsx(doc)
    guard_piece(doc, "price_schedule", xlsx.workbook_text(data))
    return data, doc["inputs_digest"]


def questionnaire_xlsx(document, progress):
    from documents.rendering import xlsx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    data = xlsx.render_questionnaire_xlsx(doc)
    guard_piece(doc, "questionnaire", xlsx.workbook_text(data))
    return data, doc["inputs_digest"]


def questionnaire_docx(document, progress):
    from documents.rendering import docx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    data = docx.render_questionnaire_docx(doc)
    guard_piece(doc, "questionnaire", docx.docx_text(data))
    return data, doc["inputs_digest"]


# The whole file zipped -------------------------------------------------------------------------

# (kind, format, file name stem) of every piece, in the order of the archive and its README.
DCE_PIECES = (
    ("annex", "pdf", "1-annexe-technique-cctp"),
    ("annex", "docx", "1-annexe-technique-cctp"),
    ("ccap", "pdf", "2-clauses-administratives-ccap"),
    ("ccap", "docx", "2-clauses-administratives-ccap"),
    ("rc", "pdf", "3-reglement-consultation"),
    ("rc", "docx", "3-reglement-consultation"),
    ("questionnaire", "xlsx", "4-cadre-de-reponse"),
    ("questionnaire", "docx", "4-cadre-de-reponse"),
    ("price_schedule", "xlsx", "5-bordereau-des-prix"),
)
# Shipped after the CCAP when the tender has the clause (has_gdpr_annex).
DCE_GDPR_ANNEX = (
    ("gdpr_annex", "pdf", "2b-annexe-rgpd-ccap"),
    ("gdpr_annex", "docx", "2b-annexe-rgpd-ccap"),
)


def dce_pieces(doc):
    """(kind, format, stem) of the archive's files for this tender, in order (never the buyer's note)."""
    pieces = list(DCE_PIECES)
    if has_gdpr_annex(doc):
        after = max(index for index, (kind, _format, _stem) in enumerate(pieces) if kind == "ccap") + 1
        pieces[after:after] = DCE_GDPR_ANNEX
    return tuple(pieces)


def _readme(doc, entries):
    """The archive's README: what each file is (plain text, UTF-8)."""
    from documents.rendering.html import piece_title

    with translation.override(doc.get("language", "fr")):
        lines = [
            f"{doc['organization']} — {doc['title']}",
            gettext("Dossier de consultation — référence %(reference)s") % {"reference": doc["reference"]},
            f"{doc['version']['label']} — "
            + gettext("généré le %(date)s")
            % {"date": format_date_words(doc["generated_on"], language=doc["language"])},
            "",
            gettext(
                "Cette archive réunit les pièces d'interopérabilité du dossier de consultation, produites par "
                "Clausier : l'annexe technique au CCTP, les clauses à reprendre dans le CCAP et ses annexes, les "
                "extraits du règlement de la consultation, le cadre de réponse et le bordereau des prix. "
                "L'acheteur y joint les autres pièces du dossier (CCTP, CCAP et règlement de la consultation "
                "complets, acte d'engagement…)."
            ),
            "",
            gettext("Fichiers de l'archive :"),
        ]
        for entry in entries:
            lines.append(f"- {entry['file']} : {piece_title(doc, entry['kind'])} ({entry['format'].upper()})")
        lines += [
            "",
            gettext(
                "manifest.json donne pour chaque fichier son empreinte SHA-256 et sa taille : vérifiez-les "
                "pour vous assurer que les pièces reçues sont celles publiées."
            ),
            gettext("Empreinte des données : %(digest)s") % {"digest": doc["inputs_digest"]},
        ]
        if doc.get("draft"):
            lines.insert(0, gettext("PROJET — document de travail, l'appel d'offres n'est pas publié."))
    return ("\n".join(lines) + "\n").encode("utf-8")


def dce_zip(document, progress):
    """Every piece, built by the builders registered for it (the answer form's included), plus
    `manifest.json` and `LISEZMOI.txt`. Deterministic: same tender state, same bytes."""
    from documents.rendering.zip import render_zip  # loaded in the worker only

    doc = _document(document, progress)
    files, manifest = [], []
    pieces = dce_pieces(doc)
    for index, (kind, format, stem) in enumerate(pieces):
        builder = registry.builder_for(kind, format)
        if builder is None:
            raise RenderError(
                gettext("La pièce « %(kind)s » (%(format)s) ne peut pas être produite.")
                % {
                    "kind": kind,
                    "format": format,
                }
            )
        low = 20 + 70 * index / len(pieces)
        high = 20 + 70 * (index + 1) / len(pieces)
        sub = _SubProgress(progress, low, high)
        content, _digest = builder(document, sub)
        name = f"{stem}.{format}"
        files.append((name, content))
        manifest.append(
            {
                "file": name,
                "kind": kind,
                "format": format,
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                "tender_version": doc["version"]["label"],
            }
        )
        progress(high)
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    entries = [("LISEZMOI.txt", _readme(doc, manifest)), ("manifest.json", manifest_bytes), *files]
    return render_zip(entries, doc["generated_on"]), doc["inputs_digest"]


class _SubProgress:
    """A piece's progress mapped into its share of the archive's (the builders call `scaled` too)."""

    def __init__(self, progress, low, high):
        self.progress, self.low, self.high = progress, low, high

    def __call__(self, value):
        self.progress(self.low + (self.high - self.low) * max(0, min(100, int(value))) / 100)

    def scaled(self, low, high):
        return lambda value: self(low + (high - low) * max(0, min(100, int(value))) / 100)
