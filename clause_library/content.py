"""Validation of a clause's content, shared by the API, the pages and the import."""

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from .checks import validate_checks
from .models import Category, Destination, Language, Requirement
from .parameters import validate_definitions
from .text import first_forbidden_character

KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
# A CCAG-TIC 2021 article number: "14", "14.1", "14.1.1" (up to four levels, no leading zero).
DEROGATION_RE = re.compile(r"^[1-9][0-9]?(\.[1-9][0-9]?){0,3}$")
MAX_BODY_CHARS = 50_000
MAX_LEGAL_NOTE_CHARS = 20_000
MAX_DEROGATIONS = 50
MAX_APPRECIATION_CHARS = 10_000
MAX_PRICE_LINES = 30
PRICE_LINE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
PRICE_PERIODS = ("once", "year", "month")


def _forbidden_character_errors(data):
    """{field: [message]} for each text of the clause holding a control character (named by where)."""
    errors = {}

    def check(field, text, where=None):
        character = first_forbidden_character(text)
        if character is None:
            return
        message = _("caractère de contrôle interdit (U+%(code)04X) : retirez-le.") % {"code": ord(character)}
        if where:
            message = f"{where} : {message}"
        else:
            message = message[0].upper() + message[1:]
        errors.setdefault(field, []).append(message)

    for field in ("title", "body", "question", "legal_note", "appreciation"):
        check(field, data.get(field))
    for index, line in enumerate(_list(data.get("price_lines"))):
        if isinstance(line, dict):
            for key in ("label", "unit"):
                check("price_lines", line.get(key), _("Ligne de prix %(n)s") % {"n": index + 1})
    for index, level in enumerate(_list(data.get("rubric"))):
        if isinstance(level, dict):
            check("rubric", level.get("description"), _("Niveau %(n)s") % {"n": index + 1})
    for index, parameter in enumerate(_list(data.get("parameters"))):
        if isinstance(parameter, dict):
            where = _("Paramètre %(n)s") % {"n": index + 1}
            for key in ("label", "help", "default"):
                check("parameters", parameter.get(key), f"{where} ({key})")
            for choice in _list(parameter.get("choices")):
                check("parameters", choice, f"{where} (choices)")
    for index, reference in enumerate(_list(data.get("references"))):
        if isinstance(reference, dict):
            check("references", reference.get("label"), _("Référence %(n)s") % {"n": index + 1})
    for tag in _list(data.get("tags")):
        check("tags", tag)
    return errors


def _list(value):
    return value if isinstance(value, list) else []


def _validate_tender_file_fields(data, add):
    """destination, derogations and legal_note (API.md, "Tender file")."""
    destination = data.get("destination", Destination.ANNEX)
    if destination not in Destination.values:
        add(
            "destination",
            _("Destination inconnue : « %(value)s » (attendu : %(values)s).")
            % {"value": destination, "values": ", ".join(Destination.values)},
        )
    derogations = data.get("derogations")
    if derogations is None:
        derogations = []
    if not isinstance(derogations, list) or not all(isinstance(item, str) for item in derogations):
        add("derogations", _("Une liste de numéros d'articles du CCAG-TIC (ex. « 14.1.1 ») est attendue."))
    elif derogations:
        if destination != Destination.CCAP:
            add(
                "derogations",
                _(
                    "Seule une clause destinée au CCAP (destination « ccap ») déroge au CCAG-TIC : "
                    "retirez les dérogations ou changez la destination."
                ),
            )
        if len(derogations) > MAX_DEROGATIONS:
            add("derogations", _("%(max)s dérogations au plus.") % {"max": MAX_DEROGATIONS})
        for item in derogations:
            if not DEROGATION_RE.fullmatch(item):
                add(
                    "derogations",
                    _("« %(value)s » n'est pas un numéro d'article du CCAG-TIC 2021 (ex. « 14.1.1 »).")
                    % {"value": item[:30]},
                )
        if len(set(derogations)) != len(derogations):
            add("derogations", _("Un article apparaît deux fois dans les dérogations."))
    legal_note = data.get("legal_note")
    if legal_note is not None and not isinstance(legal_note, str):
        add("legal_note", _("Un texte est attendu."))
    elif legal_note and len(legal_note) > MAX_LEGAL_NOTE_CHARS:
        add("legal_note", _("%(max)s caractères au plus.") % {"max": MAX_LEGAL_NOTE_CHARS})


def _validate_contract_fields(data, add):
    """appreciation, deferrable and price_lines (API.md, "The tender file as a contract")."""
    requirement = data.get("requirement")
    appreciation = data.get("appreciation")
    if appreciation is not None and not isinstance(appreciation, str):
        add("appreciation", _("Un texte est attendu."))
    elif appreciation and len(appreciation) > MAX_APPRECIATION_CHARS:
        add("appreciation", _("%(max)s caractères au plus.") % {"max": MAX_APPRECIATION_CHARS})
    elif appreciation and appreciation.strip() and requirement != Requirement.SCORED:
        add(
            "appreciation",
            _("Seule une clause notée a des éléments d'appréciation : videz ce champ ou notez la clause."),
        )
    deferrable = data.get("deferrable", False)
    if not isinstance(deferrable, bool):
        add("deferrable", _("« deferrable » vaut true ou false."))
    elif deferrable and requirement != Requirement.SCORED:
        add(
            "deferrable",
            _("Seule une clause notée peut être livrée en différé : une exigence éliminatoire est due à la réception."),
        )
    lines = data.get("price_lines")
    if lines is None:
        return
    if not isinstance(lines, list):
        add("price_lines", _("Une liste de lignes de prix est attendue."))
        return
    if len(lines) > MAX_PRICE_LINES:
        add("price_lines", _("%(max)s lignes de prix au plus.") % {"max": MAX_PRICE_LINES})
    codes = set()
    for index, line in enumerate(lines):
        for message in price_line_errors(line):
            add("price_lines", _("Ligne de prix %(n)s : %(error)s") % {"n": index + 1, "error": message})
        code = line.get("code") if isinstance(line, dict) else None
        if isinstance(code, str) and code in codes:
            add("price_lines", _("Ligne de prix %(n)s : code « %(code)s » en double.") % {"n": index + 1, "code": code})
        codes.add(code)


def price_line_errors(line):
    """Messages for one price line {"code","label","unit","quantity","period"} (empty when valid).

    Shared by clause content and the tender's own lines (tenders)."""
    if not isinstance(line, dict):
        return [_("un objet {code, label, unit, quantity, period} est attendu.")]
    errors = []
    unknown = sorted(set(line) - {"code", "label", "unit", "quantity", "period"})
    if unknown:
        errors.append(_("champ inconnu « %(field)s ».") % {"field": unknown[0]})
    code = line.get("code")
    if not isinstance(code, str) or not PRICE_LINE_CODE_RE.fullmatch(code):
        errors.append(_("le code est fait de minuscules, chiffres, - et _ (60 caractères au plus)."))
    for field, label in (("label", _("le libellé")), ("unit", _("l'unité"))):
        value = line.get(field)
        if not isinstance(value, str) or not value.strip():
            errors.append(_("%(field)s est obligatoire.") % {"field": label})
        elif len(value) > (300 if field == "label" else 60):
            errors.append(_("%(field)s est trop long.") % {"field": label})
    quantity = line.get("quantity")
    if (
        not isinstance(quantity, (int, float, Decimal))
        or isinstance(quantity, bool)
        or not Decimal(str(quantity)).is_finite()
        or not 0 < Decimal(str(quantity)) <= 1_000_000_000
    ):
        errors.append(_("la quantité est un nombre strictement positif."))
    if line.get("period") not in PRICE_PERIODS:
        errors.append(_("la période vaut « once » (une fois), « year » (par an) ou « month » (par mois)."))
    return errors


def validate_clause_content(data):
    """{field: [messages]} for a full clause content dict (the library file's clause shape)."""
    errors = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    _validate_text_and_choices(data, add)
    for field, messages in validate_definitions(data.get("parameters") or [], data.get("body") or "").items():
        errors.setdefault(field, []).extend(messages)
    scale_max = _validate_scale_and_weight(data, add)
    _validate_rubric(data.get("rubric") or [], scale_max, add)
    _validate_references(data.get("references") or [], add)
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        add("tags", _("Les étiquettes sont une liste de textes non vides."))
    check_errors = validate_checks(data.get("checks") or [])
    if check_errors:
        errors["checks"] = check_errors
    _validate_tender_file_fields(data, add)
    _validate_contract_fields(data, add)
    for field, messages in _forbidden_character_errors(data).items():
        errors.setdefault(field, []).extend(messages)
    return errors


def _validate_text_and_choices(data, add):
    """Title and body present (body not too long); category, requirement and language known."""
    if not (data.get("title") or "").strip():
        add("title", _("Le titre est obligatoire."))
    if not (data.get("body") or "").strip():
        add("body", _("Le texte de la clause est obligatoire."))
    elif len(data["body"]) > MAX_BODY_CHARS:
        add(
            "body",
            _("Le texte de la clause est trop long : %(length)s caractères, %(max)s au plus.")
            % {"length": len(data["body"]), "max": MAX_BODY_CHARS},
        )
    if data.get("category") not in Category.values:
        add("category", _("Catégorie inconnue : « %(value)s ».") % {"value": data.get("category")})
    if data.get("requirement") not in Requirement.values:
        add("requirement", _("Niveau d'exigence inconnu : « %(value)s ».") % {"value": data.get("requirement")})
    if data.get("language", "fr") not in Language.values:
        add("language", _("Langue attendue : fr ou en."))


def _validate_scale_and_weight(data, add):
    """The scale's maximum (5 when invalid, so the rubric can still be checked) and the default weight."""
    scale_max = data.get("scale_max", 5)
    if not isinstance(scale_max, int) or isinstance(scale_max, bool) or not 1 <= scale_max <= 100:
        add("scale_max", _("L'échelle doit être un entier entre 1 et 100."))
        scale_max = 5
    weight = data.get("default_weight")
    if weight is not None:
        try:
            weight = Decimal(str(weight))
        except ArithmeticError:
            weight = Decimal(-1)
        if not (0 <= weight <= 100):
            add("default_weight", _("Le poids par défaut doit être compris entre 0 et 100."))
    return scale_max


def _validate_rubric(rubric, scale_max, add):
    scores = []
    for index, level in enumerate(rubric):
        score = level.get("score") if isinstance(level, dict) else None
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= scale_max:
            add(
                "rubric",
                _("Niveau %(n)s : la note doit être un entier entre 0 et %(max)s.")
                % {"n": index + 1, "max": scale_max},
            )
        elif not (level.get("description") or "").strip():
            add("rubric", _("Niveau %(n)s : la description est obligatoire.") % {"n": index + 1})
        scores.append(score)
    if len(set(scores)) != len(scores):
        add("rubric", _("Une note apparaît deux fois dans la grille."))


def _validate_references(references, add):
    for index, reference in enumerate(references):
        message = _reference_error(reference)
        if message:
            add("references", _("Référence %(n)s : %(error)s") % {"n": index + 1, "error": message})


def _reference_error(reference):
    url = reference.get("url", "") if isinstance(reference, dict) else ""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return _("l'adresse doit commencer par https://.")
    if not (reference.get("label") or "").strip():
        return _("le libellé est obligatoire.")
    for flag in ("informative", "statutory"):
        if not isinstance(reference.get(flag, False), bool):
            return _("« %(flag)s » vaut true ou false.") % {"flag": flag}
    if reference.get("statutory") and reference.get("informative"):
        return _("une obligation légale (« statutory ») s'impose, elle ne peut pas être citée à titre informatif.")
    return None
