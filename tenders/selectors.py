"""Reads of tenders: what a user may see, the joins each page needs, and the plain-data document.

Every function runs a fixed number of queries whatever the number of clauses.
"""

import hashlib
import json

from django.utils import timezone, translation

from clause_library.markdown import fill_text, render_html
from clause_library.models import Category, Requirement
from clause_library.parameters import display_value, normalize_definition, resolve_values
from clause_library.text import strip_forbidden_characters_deep
from documents.models import Document
from organizations.access import organization_ids

from . import hooks
from .guidance import completeness_for_document
from .models import PriceFormula, Procedure, Tender, TenderClause

CATEGORY_ORDER = [value for value, _label in Category.choices]


def tenders_visible_to(user):
    """Tenders of the user's organisations (any role may read)."""
    return Tender.objects.filter(organization_id__in=organization_ids(user)).select_related("organization")


def tenders_for_list(user):
    return tenders_visible_to(user).order_by("-created_at", "-id")


def tender_clauses(tender):
    """The tender's clauses in order, with the pinned version and the library clause: one query."""
    return (
        TenderClause.objects.filter(tender_id=tender.pk).select_related("version", "clause").order_by("position", "id")
    )


def tender_clauses_visible_to(user):
    return TenderClause.objects.filter(tender__organization_id__in=organization_ids(user)).select_related(
        "tender", "version", "clause"
    )


def documents_visible_to(user):
    return Document.objects.filter(tender__organization_id__in=organization_ids(user)).select_related("tender")


def recent_documents(tender, limit=10):
    return Document.objects.filter(tender_id=tender.pk).order_by("-created_at", "-id")[:limit]


def clause_values(tender_clause, tender, *, require=False):
    """(values, errors) of one tender clause: its own values, then the tender's, then defaults."""
    return resolve_values(
        tender_clause.version.parameters, tender_clause.parameters, tender.parameters, require=require
    )


def rendered_body(tender_clause, tender):
    """The clause body as sanitised HTML with its values filled (missing ones marked)."""
    values, _errors = clause_values(tender_clause, tender)
    return render_html(tender_clause.version.body, values, tender.language)


def _percent(value, language):
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    if language == "fr":
        text = text.replace(".", ",")
    return text + "\u00a0%"


def _requirement_label(requirement, weight, language):
    if requirement == Requirement.SCORED:
        label = str(Requirement.SCORED.label)
        return f"{label} — {_percent(weight, language)}" if weight is not None else label
    return str(Requirement(requirement).label) if requirement in Requirement.values else requirement


def _criteria(tender, articles):
    """The criteria rows other apps provide (tenders/hooks.py; scoring's grid), plus {tender clause id: global weight}."""
    rows = hooks.criteria_rows(tender, articles)
    weights = {}
    criteria = []
    for row in rows:
        row = dict(row)
        tender_clause = row.pop("tender_clause", None)
        if tender_clause is not None and row.get("kind") == "scored" and row.get("global_weight") is not None:
            weights[tender_clause] = row["global_weight"]
        criteria.append(row)
    return criteria, weights


def document_date(tender):
    """The date printed on the documents: when the inputs last changed, never the clock."""
    moment = tender.published_at or tender.updated_at or timezone.now()
    return timezone.localtime(moment).date().isoformat()


def inputs_digest(doc):
    """SHA-256 of the canonical JSON of the document, its own digest left out."""
    data = {key: value for key, value in doc.items() if key != "inputs_digest"}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def tender_document(tender) -> dict:
    """The plain-data TenderDocument of docs/RENDERING.md (no ORM objects; JSON-serialisable).

    Queries: the tender's clauses (one), the criteria (the scoring app's, when it exists), and
    the organisation when not already joined.
    """
    language = tender.language or "fr"
    clauses = list(tender_clauses(tender).select_related("version__clause"))
    with translation.override(language):
        by_category = {}
        for tender_clause in clauses:
            by_category.setdefault(tender_clause.version.category, []).append(tender_clause)
        ordered = [c for c in CATEGORY_ORDER if c in by_category] + sorted(set(by_category) - set(CATEGORY_ORDER))

        numbering = {}
        for section_number, category in enumerate(ordered, start=1):
            for article_number, tender_clause in enumerate(by_category[category], start=1):
                numbering[tender_clause.pk] = f"{section_number}.{article_number}"
        criteria, weights = _criteria(tender, numbering)

        sections, questions = [], []
        for section_number, category in enumerate(ordered, start=1):
            title = str(Category(category).label) if category in Category.values else category
            articles = []
            for tender_clause in by_category[category]:
                version = tender_clause.version
                values, _errors = resolve_values(
                    version.parameters, tender_clause.parameters, tender.parameters, require=False
                )
                weight = weights.get(tender_clause.pk)
                requirement_label = _requirement_label(version.requirement, weight, language)
                number = numbering[tender_clause.pk]
                article = {
                    "number": number,
                    "id": tender_clause.stable_id,
                    "key": version.clause.key,
                    "title": version.title,
                    "requirement": version.requirement,
                    "requirement_label": requirement_label,
                    "weight": weight,
                    "body_html": render_html(version.body, values, language),
                    "body_markdown": fill_text(version.body, values, language),
                    "question": version.question,
                    "parameters": [
                        {
                            "name": definition["name"],
                            "label": definition["label"],
                            "value": display_value(values[definition["name"]], language),
                        }
                        for definition in map(normalize_definition, version.parameters)
                        if definition["name"] in values
                    ],
                    "references": [
                        {"label": ref.get("label", ""), "url": ref.get("url", "")} for ref in version.references or []
                    ],
                }
                articles.append(article)
                if version.question:
                    questions.append(
                        {
                            "id": article["id"],
                            "article": number,
                            "category": title,
                            "requirement": version.requirement,
                            "requirement_label": requirement_label,
                            "question": version.question,
                        }
                    )
            sections.append({"number": section_number, "category": category, "title": title, "articles": articles})

        doc = {
            "language": language,
            "organization": tender.organization.name,
            "reference": tender.reference,
            "title": tender.title,
            "procedure": tender.procedure,
            "procedure_label": str(Procedure(tender.procedure).label)
            if tender.procedure in Procedure.values
            else tender.procedure,
            "generated_on": document_date(tender),
            "price_formula": tender.price_formula,
            "price_formula_label": str(PriceFormula(tender.price_formula).label)
            if tender.price_formula in PriceFormula.values
            else tender.price_formula,
            "sections": sections,
            "criteria": criteria,
            "questions": questions,
        }
        if tender.completeness_annex:
            doc["completeness"] = completeness_for_document(tender, numbering)
    # Clause text stored before control characters were refused must not break the DOCX/XLSX writers.
    doc = strip_forbidden_characters_deep(doc)
    doc["inputs_digest"] = inputs_digest(doc)
    return doc


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
