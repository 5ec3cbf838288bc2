"""Pure functions behind the pieces of the tender file (annex, CCAP, RC, price schedule).

Plain values in, plain values out, no database: article numbers, weights that add up exactly, the
glossary of acronyms, how a reference is printed, Markdown as plain text. tenders/selectors.py
uses them to build the plain TenderDocument (docs/RENDERING.md).
"""

import re
from decimal import ROUND_FLOOR, Decimal

from clause_library.markdown import tokens as markdown_tokens

ANNEX, CCAP, RC, PRICE = "annex", "ccap", "rc", "price"
DESTINATIONS = (ANNEX, CCAP, RC, PRICE)
# Articles outside the annex are numbered within their piece with a letter, so that every number
# of the tender is unique and a vendor can quote it alone ("C2" is the CCAP's second article).
PREFIXES = {CCAP: "C", RC: "R", PRICE: "P"}


def article_numbers(clauses, category_order):
    """{clause id: number} for clauses given in their tender order as (id, destination, category).

    Annex clauses: "section.article", sections being the categories present (in `category_order`,
    unknown ones after, sorted); the others: their piece's letter and their rank ("C1", "R2", "P1").
    """
    clauses = list(clauses)
    annex = [clause for clause in clauses if (clause[1] or ANNEX) not in PREFIXES]
    present = {category for _id, _destination, category in annex}
    ordered = [c for c in category_order if c in present] + sorted(present - set(category_order))
    numbers = {}
    for section, category in enumerate(ordered, start=1):
        rank = 0
        for clause_id, _destination, clause_category in annex:
            if clause_category == category:
                rank += 1
                numbers[clause_id] = f"{section}.{rank}"
    for destination, prefix in PREFIXES.items():
        rank = 0
        for clause_id, clause_destination, _category in clauses:
            if clause_destination == destination:
                rank += 1
                numbers[clause_id] = f"{prefix}{rank}"
    return numbers


def number_sort_key(number):
    """Annex numbers first ("1.2" < "1.10" < "2.1"), then C, R, P in their rank order."""
    text = str(number)
    if text[:1].isalpha():
        order = "CRP".find(text[0]) + 1 or 9
        return (order, int(text[1:]) if text[1:].isdigit() else 0, 0)
    parts = [int(part) if part.isdigit() else 0 for part in text.split(".")]
    return (0, *parts[:2], *([0] * (2 - len(parts[:2]))))


# Weights -------------------------------------------------------------------------------------

CENT = Decimal("0.01")


def _largest_remainder(quotas, total):
    """Integers (cents) as close as possible to `quotas`, summing to `total` exactly (Hamilton's method)."""
    floors = [int(q.to_integral_value(rounding=ROUND_FLOOR)) for q in quotas]
    missing = total - sum(floors)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for index in order[: max(0, missing)]:
        floors[index] += 1
    return floors


def rounded_global_weights(criteria):
    """{index: Decimal global weight with 2 decimals} for the weighted rows of a depth-first criteria list.

    `criteria` rows carry `depth` and `weight` (percent of the parent; None for eliminatory ones).
    Each level is rounded to the cent by the largest-remainder method *within its parent's rounded
    weight*, so the top level adds up to exactly 100.00 (when its weights add up to 100) and the
    children of a criterion add up to exactly its printed weight: no 59.99 % on the page.
    """
    parents, stack = [], []
    for index, row in enumerate(criteria):
        depth = int(row.get("depth") or 0)
        stack = stack[:depth]
        parents.append(stack[-1] if stack else None)
        stack.append(index)
    weighted = [i for i, row in enumerate(criteria) if row.get("weight") is not None]
    result = {}

    def allocate(parent, parent_cents):
        children = [i for i in weighted if parents[i] == parent]
        if not children:
            return
        quotas = [Decimal(parent_cents) * Decimal(str(criteria[i]["weight"])) / 100 for i in children]
        total = int(sum(quotas).quantize(Decimal(1)))
        for index, cents in zip(children, _largest_remainder(quotas, total), strict=True):
            result[index] = Decimal(cents) * CENT
            allocate(index, cents)

    allocate(None, 10000)
    return result


# References ----------------------------------------------------------------------------------

# Laws, regulations, case law and the CCAG are not technical specifications: R2111-9's "ou
# équivalent" is meaningless after them, so they are listed apart as the texts that apply.
_LEGAL_TEXT = re.compile(
    r"^(Code |Règlement \(UE\)|Règlement \(CE\)|Directive|CCAG|CJCE|CJUE|CE,|Conseil d'État|Cour de justice"
    r"|Arrêté|Décret|Loi |Ordonnance|Regulation \(EU\))",
    re.IGNORECASE,
)


def classify_references(references, *, equivalent_text):
    """(normative, legal, informative) lists of {"label","url","text"} from a clause's references.

    `text` is what the piece prints: a normative reference (a standard or technical document) is
    always followed by `equivalent_text` ("(ou équivalent)", CCP R2111-9); legal texts — a reference
    marked `"statutory": true`, or one whose label names a code, regulation, law… — are printed as
    they are; informative ones (`"informative": true`) go under "à titre informatif".
    """
    normative, legal, informative = [], [], []
    for reference in references or []:
        label = (reference.get("label") or "").strip()
        entry = {"label": label, "url": reference.get("url") or ""}
        if reference.get("informative"):
            informative.append({**entry, "text": label})
        elif reference.get("statutory") or _LEGAL_TEXT.match(label):
            # A legal obligation (HDS certification, the INS référentiel, a law…) has no equivalent.
            legal.append({**entry, "text": label})
        else:
            normative.append({**entry, "text": f"{label} {equivalent_text}"})
    return normative, legal, informative


# Glossary ------------------------------------------------------------------------------------

ACRONYMS = {
    "fr": {
        "ANS": "Agence du numérique en santé",
        "API": "Interface de programmation applicative (Application Programming Interface)",
        "BALP": "Basic Audit Log Patterns (profil IHE de journaux d'audit)",
        "CCAG-TIC": "Cahier des clauses administratives générales des marchés de techniques de l'information "
        "et de la communication (2021)",
        "CCAP": "Cahier des clauses administratives particulières",
        "CCTP": "Cahier des clauses techniques particulières",
        "CDM": "Modèle commun de données (Common Data Model)",
        "CI-SIS": "Cadre d'interopérabilité des systèmes d'information de santé",
        "CNDA": "Centre national de dépôt et d'agrément (Assurance Maladie)",
        "DICOM": "Digital Imaging and Communications in Medicine",
        "DMP": "Dossier médical partagé",
        "DPI": "Dossier patient informatisé",
        "DME": "Dossier médical électronique",
        "EEDS": "Espace européen des données de santé (règlement (UE) 2025/327)",
        "EHDS": "European Health Data Space (espace européen des données de santé)",
        "FHIR": "Fast Healthcare Interoperability Resources (norme HL7 d'échange de données de santé)",
        "HDS": "Hébergeur de données de santé (certification, art. L1111-8 du code de la santé publique)",
        "HL7": "Health Level Seven (organisme de normalisation et ses normes)",
        "HPRIM": "Harmoniser et promouvoir l'informatique médicale (format d'échange)",
        "HTTPS": "Protocole HTTP sécurisé par TLS",
        "IHE": "Integrating the Healthcare Enterprise",
        "INS": "Identité nationale de santé",
        "JSON": "JavaScript Object Notation (format de données)",
        "LOINC": "Logical Observation Identifiers Names and Codes (terminologie de biologie)",
        "MSSanté": "Messageries sécurisées de santé",
        "OAuth": "Protocole de délégation d'autorisation (OAuth 2.0)",
        "OMOP": "Observational Medical Outcomes Partnership (modèle de données de recherche)",
        "PAM": "Patient Administration Management (profil IHE de gestion administrative du patient)",
        "PDSm": "Partage de documents de santé en mobilité",
        "PGSSI-S": "Politique générale de sécurité des systèmes d'information de santé",
        "PKCE": "Proof Key for Code Exchange (RFC 7636)",
        "PSC": "Pro Santé Connect",
        "RC": "Règlement de la consultation",
        "REST": "Representational State Transfer (style d'API web)",
        "RFC": "Request for Comments (norme de l'IETF)",
        "RGPD": "Règlement général sur la protection des données (règlement (UE) 2016/679)",
        "SMART": "Substitutable Medical Applications and Reusable Technologies (SMART on FHIR)",
        "SMT": "Serveur multi-terminologies (ANS)",
        "SNOMED CT": "Systematized Nomenclature of Medicine — Clinical Terms",
        "SLA": "Engagement de niveau de service (Service Level Agreement)",
        "TLS": "Transport Layer Security (chiffrement des échanges)",
        "VABF": "Vérification d'aptitude au bon fonctionnement",
        "VSR": "Vérification de service régulier",
        "XDS": "Cross-Enterprise Document Sharing (profil IHE)",
    },
    "en": {
        "API": "Application Programming Interface",
        "CCAG-TIC": "French general administrative terms for information and communication technology contracts (2021)",
        "CCAP": "Special administrative terms of the contract",
        "CCTP": "Special technical terms of the contract",
        "DICOM": "Digital Imaging and Communications in Medicine",
        "EHDS": "European Health Data Space",
        "FHIR": "Fast Healthcare Interoperability Resources",
        "GDPR": "General Data Protection Regulation (EU) 2016/679",
        "HL7": "Health Level Seven",
        "IHE": "Integrating the Healthcare Enterprise",
        "JSON": "JavaScript Object Notation",
        "OAuth": "OAuth 2.0 authorisation delegation protocol",
        "OMOP": "Observational Medical Outcomes Partnership",
        "PKCE": "Proof Key for Code Exchange (RFC 7636)",
        "REST": "Representational State Transfer",
        "SMART": "Substitutable Medical Applications and Reusable Technologies",
        "TLS": "Transport Layer Security",
    },
}


def glossary(texts, language="fr"):
    """[{"term","definition"}] of the curated acronyms that appear (as whole words) in `texts`, sorted."""
    table = ACRONYMS.get(language) or ACRONYMS["fr"]
    joined = "\n".join(text for text in texts if text)
    found = []
    for term, definition in table.items():
        if re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", joined):
            found.append({"term": term, "definition": definition})
    return sorted(found, key=lambda entry: entry["term"].casefold())


# Markdown as plain text ----------------------------------------------------------------------


def markdown_plain(text):
    """Markdown → the text a reader sees (no `` ` `` nor ``**``): paragraphs and list items on their own lines."""
    lines, prefix = [], []
    for token in markdown_tokens(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            prefix.append("- " if token.type == "bullet_list_open" else "")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefix.pop()
        elif token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            lines.append(("  " * max(0, len(prefix) - 1)) + (prefix[-1] if prefix else "") + "".join(parts))
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
    return "\n".join(line for line in lines if line.strip())


# Cross-references ----------------------------------------------------------------------------

_KEY = r"`[A-Za-z0-9][A-Za-z0-9_-]*`"
_CHAIN = re.compile(rf"(?P<lead>\b[Cc]lauses?\s+)?(?P<refs>{_KEY}(?:\s*(?:,|\bet\b|\band\b)\s*{_KEY})*)")


def cross_references(text, numbers, *, word="article", keep_unknown=True):
    """Clause keys quoted in a text (`` `interface-acceptance-testing` ``) become the article numbers
    vendors quote: "la clause `x`" → "la clause 6.4", "… : `x`, `y`" → "… : article 1.6, article 1.5".

    `numbers` maps clause keys to article numbers. A key this tender does not hold stays as it is
    (a code span in Markdown) with `keep_unknown`, or loses its backticks otherwise (plain values).
    """
    if not text or "`" not in text:
        return text

    def one(key_text, lead):
        key = key_text.strip("`")
        if key in numbers:
            return numbers[key] if lead else f"{word} {numbers[key]}"
        return key_text if keep_unknown else key

    def chain(match):
        lead = match.group("lead") or ""
        refs = re.sub(_KEY, lambda m: one(m.group(0), lead), match.group("refs"))
        return lead + refs

    return _CHAIN.sub(chain, text)


# Demonstration scenario ----------------------------------------------------------------------

# An RC clause asks for a demonstration when it declares its length or says so in its text; the
# scenario is then generated in the RC itself, never left to an annex that does not exist.
DEMONSTRATION_PARAMETERS = ("duree_demonstration_heures", "demonstration_hours")
# The requiring article lists the steps itself (a Markdown list: "- …", "* …" or "1. …").
_LIST_ITEM = re.compile(r"^\s*(?:[-*+] |\d+[.)] )", re.MULTILINE)
_DEMONSTRATION_REQUIRED = re.compile(r"sc[ée]nario de d[ée]monstration|demonstration scenario", re.IGNORECASE)
# A grid level that relies on the demonstration session ("montré lors de la démonstration prévue au
# règlement"), not one that merely speaks of a proof ("plateforme de démonstration", "démonstration fournie").
_DEMONSTRATION = re.compile(
    r"(?:lors de|pendant|au cours de) la d[ée]monstration|d[ée]monstration prévue"
    r"|(?:during|at|in) the demonstration|demonstration (?:provided for|set out|described)",
    re.IGNORECASE,
)
# What the requiring article cites: `{{ ref:key }}` (unresolved or shown as "[ref:key]") or "article 1.4".
_CITED_KEY = re.compile(r"ref:\s*([A-Za-z0-9][A-Za-z0-9_-]*)")
_CITED_NUMBER = re.compile(r"\barticles?\s+(\d+\.\d+)", re.IGNORECASE)


def _text(article) -> str:
    return article.get("body_markdown") or article.get("body_text") or ""


def _requires_demonstration(article) -> bool:
    """An RC article that declares the demonstration's length or asks for a scenario in its text."""
    if article.get("destination") != RC:
        return False
    values = article.get("values") or {}
    return any(name in values for name in DEMONSTRATION_PARAMETERS) or bool(
        _DEMONSTRATION_REQUIRED.search(article.get("body_text") or "")
    )


def _demonstration_hours(requiring):
    return next(
        (
            article["values"][name]
            for article in requiring
            for name in DEMONSTRATION_PARAMETERS
            if (article.get("values") or {}).get(name) not in (None, "")
        ),
        None,
    )


def _cited_articles(requiring, articles) -> set[str]:
    """The numbers of the articles the requiring text cites (its steps name them): scored at the demonstration too."""
    cited_text = "\n".join(_text(article) for article in requiring)
    cited_keys = set(_CITED_KEY.findall(cited_text))
    return set(_CITED_NUMBER.findall(cited_text)) | {
        article["number"] for article in articles.values() if article.get("key") in cited_keys
    }


def _demonstration_candidates(criteria, articles) -> list[tuple]:
    """[(criterion row, its article, the grid levels relying on the session, the appreciation)] of every
    scored criterion with an article outside the RC, in the criteria's order."""
    candidates = []
    for row in criteria:
        article = articles.get(row.get("article"))
        if row.get("kind") != "scored" or article is None or article.get("destination") == RC:
            continue
        mentioned = [
            {"score": level.get("score"), "description": level["description"]}
            for level in article.get("rubric") or []
            if level.get("description") and _DEMONSTRATION.search(level["description"])
        ]
        candidates.append((row, article, mentioned, article.get("appreciation") or ""))
    return candidates


def _demonstration_step(number, row, article, mentioned, appreciation) -> dict:
    return {
        "number": number,
        "criterion": row.get("number"),
        "criterion_name": row.get("name"),
        "article": article["number"],
        "title": article.get("title", ""),
        "appreciation": appreciation,
        "levels": sorted(mentioned, key=lambda level: -(level.get("score") or 0)),
    }


def demonstration_scenario(sections, criteria, language="fr"):
    """The demonstration scenario the RC prints, or None when no RC article requires one.

    {"required_by": [article numbers], "hours": value or None, "described": bool, "steps": [{"number",
    "criterion", "criterion_name", "article", "title", "appreciation", "levels": [{"score", "description"}]}]}.
    `described`: the requiring article lists the demonstration's steps itself (a list in its text); the RC
    then prints no second scenario, only which sub-criteria the demonstration scores (`steps`: those whose
    article the requiring text cites or whose grid levels rely on the session; None when none does, the
    article saying everything). Otherwise the
    scenario is generated: one step per such sub-criterion, in the criteria's order, or every scored
    sub-criterion with an article when none relies on it. Pure: reads the plain document's sections and criteria.
    """
    articles = {article["number"]: article for section in sections for article in section.get("articles", [])}
    requiring = [article for article in articles.values() if _requires_demonstration(article)]
    if not requiring:
        return None
    described = any(_LIST_ITEM.search(_text(article)) for article in requiring)
    cited = _cited_articles(requiring, articles)
    candidates = _demonstration_candidates(criteria, articles)
    relevant = [c for c in candidates if c[2] or c[1]["number"] in cited]
    if described and not relevant:
        return None
    return {
        "required_by": [article["number"] for article in requiring],
        "hours": _demonstration_hours(requiring),
        "described": described,
        "steps": [_demonstration_step(index, *c) for index, c in enumerate(relevant or candidates, start=1)],
    }
