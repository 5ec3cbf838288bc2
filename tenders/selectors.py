"""Reads of tenders: what a user may see, the joins each page needs, and the plain-data document.

Every function runs a fixed number of queries whatever the number of clauses.
"""

import hashlib
import json

from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

from clause_library.markdown import fill_text, render_html
from clause_library.models import Category, Requirement
from clause_library.parameters import display_value, display_values, normalize_definition, resolve_values
from clause_library.text import strip_forbidden_characters_deep
from organizations.formatting import format_date_words

from . import access, allotment, composition, hooks, pieces, prices
from .guidance import completeness_for_document
from .models import PriceFormula, Procedure, TenderClause

CATEGORY_ORDER = [value for value, _label in Category.choices]
# A tender-wide value that gives the annex its number among the CCTP's annexes (1 when absent).
ANNEX_NUMBER_PARAMETER = "numero_annexe_cctp"


def tenders_visible_to(user):
    """Tenders of the user's organisations (any role may read): `access.visible_tenders`."""
    return access.visible_tenders(user)


def tenders_for_list(user):
    return tenders_visible_to(user).order_by("-created_at", "-id")


def tender_clauses(tender):
    """The tender's clauses in order, with the pinned version and the library clause: one query."""
    return (
        TenderClause.objects.filter(tender_id=tender.pk).select_related("version", "clause").order_by("position", "id")
    )


def clause_values(tender_clause, tender, *, require=False):
    """(values, errors) of one tender clause: its own values, then the tender's, then defaults."""
    return resolve_values(
        tender_clause.version.parameters, tender_clause.parameters, tender.parameters, require=require
    )


def rendered_body(tender_clause, tender):
    """The clause body as sanitised HTML with its values filled (missing ones marked)."""
    values, _errors = clause_values(tender_clause, tender)
    shown = display_values(tender_clause.version.parameters, values, tender.language)  # dates in words
    return render_html(tender_clause.version.body, shown, tender.language)


def _requirement_label(requirement):
    """The requirement's nature, never its weight: weights belong to the consultation rules (RC)."""
    return str(Requirement(requirement).label) if requirement in Requirement.values else requirement


def _criteria(tender, articles, lot=None):
    """The criteria rows other apps provide (tenders/hooks.py; scoring's grid), plus {tender clause id: global weight}.

    Each weighted row also gets `rounded_global_weight` ("33.33"): its share of the total rounded by
    the largest-remainder method, so the printed weights add up to exactly 100.00 (tenders/pieces.py).
    """
    rows = hooks.criteria_rows(tender, articles, lot=lot)
    weights = {}
    criteria = []
    for row in rows:
        row = dict(row)
        tender_clause = row.pop("tender_clause", None)
        if tender_clause is not None and row.get("kind") == "scored" and row.get("global_weight") is not None:
            weights[tender_clause] = row["global_weight"]
        criteria.append(row)
    rounded = pieces.rounded_global_weights(criteria)
    for index, row in enumerate(criteria):
        # The provider's applied share when it gives one (printed = applied), else rounded here.
        applied = row.pop("applied_global_weight", None)
        row["rounded_global_weight"] = applied or (f"{rounded[index]:.2f}" if index in rounded else None)
    return criteria, weights


def document_date(tender):
    """The date printed on the documents: when the inputs last changed, never the clock."""
    moment = tender.published_at or tender.updated_at or timezone.now()
    return timezone.localtime(moment).date().isoformat()


def inputs_digest(doc):
    """SHA-256 of the canonical JSON of the document, its own digest left out."""
    # The guard's word lists say what must not be printed, not what is: they stay out of the digest.
    data = {key: value for key, value in doc.items() if key not in ("inputs_digest", "guard")}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def article_numbers(tender, clauses):
    """{tender clause id: article number}: the numbers frozen at publication, or computed for a draft.

    A draft renumbers as clauses come and go; the publish service stores the numbers and from then
    on they are read back unchanged (tenders/pieces.py says how they are made).
    """
    if not tender.is_draft and clauses and all(tc.article_number for tc in clauses):
        return {tc.pk: tc.article_number for tc in clauses}
    return pieces.article_numbers(
        ((tc.pk, tc.version.destination, tc.version.category) for tc in clauses), CATEGORY_ORDER
    )


def _display_values(definitions, values, language, keys, library_keys=()):
    """The values as the text prints them: typed dates in words ("26 mars 2029"), never ISO; clause
    keys quoted in a text value replaced by their article numbers (never a raw backtick)."""
    types = {d.get("name"): d.get("type") for d in definitions}
    shown = {}
    for name, value in values.items():
        if types.get(name) == "date" and value:
            value = format_date_words(value, language=language)
        elif isinstance(value, str):
            # A value listing clauses ("`a`, `b`") keeps only those of this tender, as article numbers.
            value = composition.filter_clause_list(value, keys, library_keys, language)
            value = pieces.cross_references(value, keys, keep_unknown=False)
        shown[name] = value
    return shown


def tender_version(tender, language):
    """{"number", "label"}: the publication version, or "Projet" for a draft."""
    with translation.override(language):
        if tender.is_draft:
            return {"number": None, "label": gettext("Projet non publié")}
        published = format_date_words(tender.published_at, language=language) if tender.published_at else ""
        return {
            "number": 1,
            "label": gettext("Version 1 publiée le %(date)s") % {"date": published}
            if published
            else gettext("Version 1"),
        }


PIECE_SECTION_TITLES = {
    "ccap": _lazy("Clauses administratives (CCAP)"),
    "rc": _lazy("Règlement de la consultation (RC)"),
    "price": _lazy("Bordereau des prix"),
}


def _appreciation(appreciation, shown, language) -> dict:
    """The appreciation's Markdown, HTML and plain text (`appreciation` and `appreciation_text` alike)."""
    if not appreciation:
        return {"appreciation_markdown": "", "appreciation_html": "", "appreciation_text": "", "appreciation": ""}
    markdown = fill_text(appreciation, shown, language)
    text = pieces.markdown_plain(markdown)
    return {
        "appreciation_markdown": markdown,
        "appreciation_html": render_html(appreciation, shown, language),
        "appreciation_text": text,
        "appreciation": text,
    }


def _parameter_rows(version, shown, language) -> list[dict]:
    return [
        {
            "name": definition["name"],
            "label": definition["label"],
            "type": definition["type"],
            "value": display_value(shown[definition["name"]], language),
            "direction": definition["direction"],
            "improvable": definition["improvable"],
        }
        for definition in map(normalize_definition, version.parameters)
        if definition["name"] in shown
    ]


def _reference_rows(version) -> list[dict]:
    return [
        {
            "label": ref.get("label", ""),
            "url": ref.get("url", ""),
            "informative": bool(ref.get("informative")),
            "statutory": bool(ref.get("statutory")),
        }
        for ref in version.references or []
    ]


def _article(tender_clause, tender, number, weight, language, keys, price_lines=None, library_keys=()):
    version = tender_clause.version
    values, _errors = resolve_values(version.parameters, tender_clause.parameters, tender.parameters, require=False)
    shown = _display_values(version.parameters, values, language, keys, library_keys)

    def composed(text):
        """`{{ ref: }}`/`{{ price: }}` resolved against this tender (tenders/composition.py), then the
        clause keys quoted the old way (`` `key` ``) replaced by their numbers."""
        return pieces.cross_references(
            composition.compose(text, keys, price_lines, language, piece=version.destination or pieces.ANNEX), keys
        )

    body = composed(version.body)
    question = composed(version.question)
    appreciation = composed(getattr(version, "appreciation", "") or "")
    normative, legal, informative = pieces.classify_references(
        version.references, equivalent_text=gettext("(ou équivalent)")
    )
    question_markdown = fill_text(question, shown, language) if question else ""
    return {
        "number": number,
        "id": tender_clause.stable_id,
        "key": version.clause.key,
        "clause_version": version.number,
        "title": version.title,
        "destination": version.destination or pieces.ANNEX,
        "requirement": version.requirement,
        "requirement_label": _requirement_label(version.requirement),
        "deferrable": bool(version.deferrable),
        "weight": weight,
        "body_html": render_html(body, shown, language),
        "body_markdown": fill_text(body, shown, language),
        "body_text": pieces.markdown_plain(fill_text(body, shown, language)),
        # Plain text (Markdown read, no backticks); the Markdown and its HTML for the pieces that format it.
        "question": pieces.markdown_plain(question_markdown),
        "question_markdown": question_markdown,
        "question_html": render_html(question, shown, language) if question else "",
        # What is appreciated beyond the binding minimum (scored clauses; not contractual).
        **_appreciation(appreciation, shown, language),
        "rubric": [
            {
                "score": level.get("score"),
                "description": pieces.markdown_plain(
                    fill_text(composed(level.get("description") or ""), shown, language)
                ),
            }
            for level in version.rubric or []
        ],
        # Buyer-only: printed in the buyer's note, never in a published piece.
        "legal_note": pieces.markdown_plain(version.legal_note or ""),
        "parameters": _parameter_rows(version, shown, language),
        "values": {name: values[name] for name in sorted(values)},
        "references": _reference_rows(version),
        "references_normative": normative,
        "references_legal": legal,
        "references_informative": informative,
        "derogations": [str(article) for article in version.derogations or []],
        # The grid annexed to the RC: the scale (the levels are `rubric` above, composed like the body).
        "scale_max": version.scale_max,
        # "gdpr": the CCAP prints this article as its GDPR annex, a file of its own (tenders/composition.py).
        "ccap_annex": composition.ccap_annex(version.clause.key, version.tags, version.destination or pieces.ANNEX),
    }


def _label(choices, value) -> str:
    """A choice's label, or the stored value itself when the choice no longer exists."""
    return str(choices(value).label) if value in choices.values else value


def _section_of(version, number) -> dict:
    """{"number", "category", "destination", "title"} of the section an article belongs to: its annex
    category's (numbered like the article) or its other piece's (numbered "C", "R", "P")."""
    destination = version.destination or pieces.ANNEX
    if destination in pieces.PREFIXES:
        return {
            "number": pieces.PREFIXES[destination],
            "category": destination,
            "destination": destination,
            "title": str(PIECE_SECTION_TITLES[destination]),
        }
    return {
        "number": int(number.split(".")[0]),
        "category": version.category,
        "destination": pieces.ANNEX,
        "title": _label(Category, version.category),
    }


def _annex_texts(sections) -> list[str]:
    """Every text the annex prints (the glossary lists the acronyms found in them)."""
    return [
        text
        for section in sections
        if section["destination"] == pieces.ANNEX
        for article in section["articles"]
        for text in (
            article["title"],
            article["body_text"],
            article["question"],
            article["appreciation_text"],
            *(p["label"] for p in article["parameters"]),
            # What the annex prints: informative references are the buyer's note's.
            *(r["label"] for r in article["references"] if not r["informative"]),
        )
    ]


def tender_document(tender, lot=None) -> dict:
    """The plain-data TenderDocument of docs/RENDERING.md (no ORM objects; JSON-serialisable).

    `sections` holds the annex's sections (one per category, numbered 1, 2…) and then one section
    per other piece present (`ccap`, `rc`, `price`, numbered "C", "R", "P"), so every article of the
    tender, whatever its piece, has a number and a place; each section and article says its
    `destination`. Queries: the tender's clauses (one), the criteria (the scoring app's, when it
    exists), and the organisation when not already joined.
    """
    language = tender.language or "fr"
    clauses = list(tender_clauses(tender).select_related("version__clause"))
    with translation.override(language):
        numbering = article_numbers(tender, clauses)  # over the whole tender: one lot's piece keeps the numbers
        if lot is not None:  # one lot's piece: the clauses that apply to it (docs/LOTS.md)
            clauses = allotment.clauses_of_lot(clauses, lot)
        criteria, weights = _criteria(tender, numbering, lot)
        # Clause keys quoted in the texts become the article numbers vendors quote.
        keys = {tc.version.clause.key: numbering[tc.pk] for tc in clauses}
        ordered = sorted(clauses, key=lambda tc: (pieces.number_sort_key(numbering[tc.pk]), tc.position, tc.pk))
        # The price schedule's lines: the buyer's, then each clause's in article order (tenders/prices.py).
        price_data = prices.price_section(
            duration_months=tender.duration_months,
            price_basis=tender.price_basis,
            buyer_lines=tender.price_lines,
            clause_lines=[(numbering[tc.pk], line) for tc in ordered for line in tc.version.price_lines or []],
        )
        # {{ price:code }} → the line's number in that schedule (`doc["price"]["lines"]`, [{"code","number"}]);
        # a code the schedule lacks drops its block.
        price_lines = composition.price_numbers(price_data)
        guard = guard_terms(tender, clauses)
        lots = list(tender.lots.all())
        lot_labels = allotment.article_lots(tender, lots, [tc.pk for tc in clauses])

        sections, questions = [], []
        for tender_clause in ordered:
            number = numbering[tender_clause.pk]
            version = tender_clause.version
            place = _section_of(version, number)
            if not sections or sections[-1]["number"] != place["number"]:
                sections.append({**place, "articles": []})
            title = place["title"]
            article = _article(
                tender_clause,
                tender,
                number,
                weights.get(tender_clause.pk),
                language,
                keys,
                price_lines,
                guard["keys"],
            )
            article["lots_label"] = lot_labels.get(tender_clause.pk, "")
            sections[-1]["articles"].append(article)
            if article["question"]:
                questions.append(
                    {
                        "id": article["id"],
                        "article": number,
                        "category": title,
                        "destination": article["destination"],
                        "requirement": version.requirement,
                        "requirement_label": article["requirement_label"],
                        "question": article["question"],
                        "question_markdown": article["question_markdown"],
                    }
                )

        doc = {
            "language": language,
            "organization": tender.organization.name,
            "reference": tender.reference,
            "title": tender.title,
            "procedure": tender.procedure,
            "procedure_label": _label(Procedure, tender.procedure),
            "generated_on": document_date(tender),
            "draft": tender.is_draft,
            "version": tender_version(tender, language),
            # "Annexe n° {n} au CCTP": the buyer's CCTP numbers its annexes; a tender-wide value may say which.
            "annex_number": str(tender.parameters.get(ANNEX_NUMBER_PARAMETER) or "1"),
            "price_formula": tender.price_formula,
            "tie_break": tender.tie_break,
            "price_formula_label": _label(PriceFormula, tender.price_formula),
            "sections": sections,
            "criteria": criteria,
            "questions": questions,
            # The preamble names the CCTP, the CCAP and the CCAG-TIC: their acronyms are in the text too.
            "glossary": pieces.glossary([*_annex_texts(sections), "CCTP CCAP CCAG-TIC"], language),
        }
        doc["price"] = price_data
        doc["allotment"] = allotment.allotment_section(tender, lots)
        if lot is not None:
            doc["lot"] = {"number": lot.number, "title": lot.title}
        if tender.completeness_annex:
            doc["completeness"] = completeness_for_document(tender, numbering)
        # The RC's scoring method, worded by the app that applies it; the demonstration an RC clause asks for.
        doc["scoring_method"] = hooks.scoring_method(tender, criteria)
        doc["demonstration"] = pieces.demonstration_scenario(sections, criteria, language)
    # Clause text stored before control characters were refused must not break the DOCX/XLSX writers.
    doc = strip_forbidden_characters_deep(doc)
    doc["inputs_digest"] = inputs_digest(doc)
    doc["guard"] = guard
    return doc


def guard_terms(tender, clauses):
    """{"keys", "parameters"}: what no piece of this tender may print (tenders/composition.py, Guard):
    every clause key of the libraries its clauses come from and every parameter name its clauses
    declare (and the tender-wide values' names). One query for the keys."""
    from clause_library.models import Clause

    library_ids = {tc.clause.library_id for tc in clauses}
    keys = (
        set(Clause.objects.filter(library_id__in=library_ids).values_list("key", flat=True)) if library_ids else set()
    )
    keys |= {tc.clause.key for tc in clauses}
    parameters = {d.get("name") for tc in clauses for d in tc.version.parameters or [] if d.get("name")}
    parameters |= set(tender.parameters or {})
    return {"keys": sorted(keys), "parameters": sorted(parameters)}


def parameter_fields(tender_clause, tender):
    """The editor's form fields for one clause: declared parameters with their current values.

    [{"name","label","type","required","choices","min","max","help","value","inherited","default"}]
    `value` is the clause's own value ("" when it takes the tender's or the default); `inherited`
    is what applies otherwise, shown as the placeholder.
    """
    own = tender_clause.parameters or {}
    fields = []
    for definition in map(normalize_definition, tender_clause.version.parameters):
        name = definition["name"]
        inherited = tender.parameters.get(name)
        if inherited in (None, ""):
            inherited = definition["default"]
        value = own.get(name, "")
        if isinstance(value, bool):
            value = "true" if value else "false"
        fields.append(
            {
                **definition,
                "value": "" if value is None else str(value),
                "inherited": "" if inherited is None else display_value(inherited, tender.language),
                "input_id": f"tc{tender_clause.pk}-{name}",
            }
        )
    return fields


def editor_clause_rows(tender, tender_clauses, *, errors, submitted=None) -> list[dict]:
    """The editor's rows, one per tender clause: the clause, its fields and their errors (no query beyond
    `tender_clauses`, read with their versions).

    `errors` is {tender clause id: {parameter name: [message]}}; a clause without an entry shows what
    publishing would refuse (required values still missing). `submitted` is a refused "save all" POST:
    the clauses it carried show its values instead of the stored ones.
    """
    sent = set(submitted.getlist("tender_clause")) if submitted is not None else set()
    rows = []
    for index, tender_clause in enumerate(tender_clauses):
        fields = parameter_fields(tender_clause, tender)
        clause_errors = errors.get(tender_clause.pk)
        if clause_errors is None:
            clause_errors = clause_values(tender_clause, tender, require=True)[1]
        for field in fields:
            field["errors"] = clause_errors.get(field["name"], [])
            field["input_name"] = field["input_id"]
            field["form_id"] = "all-parameters"
            if str(tender_clause.pk) in sent:
                field["value"] = submitted.get(field["input_name"], "")
        rows.append(
            {
                "object": tender_clause,
                "version": tender_clause.version,
                "fields": fields,
                "errors": clause_errors,
                "first": index == 0,
                "last": index == len(tender_clauses) - 1,
                "anchor": f"tc-{tender_clause.pk}",
            }
        )
    return rows


def editor_tender_fields(tender, tender_clauses, *, errors=None, submitted=None) -> list[dict]:
    """The tender-wide values form of the editor, with a refused POST's `errors` and values shown again."""
    fields = tender_parameter_fields(tender, tender_clauses)
    for field in fields:
        field["errors"] = (errors or {}).get(field["name"], [])
        field["input_name"] = f"p-{field['name']}"
        if submitted is not None:
            field["value"] = submitted.get(field["input_name"], "")
    return fields


def tender_parameter_fields(tender, tender_clauses):
    """The tender-wide values form: every parameter the clauses declare, once (first declaration wins)."""
    fields, seen = [], set()
    for tender_clause in tender_clauses:
        for definition in map(normalize_definition, tender_clause.version.parameters):
            if definition["name"] in seen:
                continue
            seen.add(definition["name"])
            value = tender.parameters.get(definition["name"], "")
            if isinstance(value, bool):
                value = "true" if value else "false"
            fields.append(
                {
                    **definition,
                    "value": "" if value is None else str(value),
                    "inherited": ""
                    if definition["default"] in (None, "")
                    else display_value(definition["default"], tender.language),
                    "input_id": f"tender-{definition['name']}",
                    "errors": [],
                }
            )
    return fields
