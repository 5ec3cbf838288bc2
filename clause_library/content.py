"""Validation of a clause's content, shared by the API, the pages and the import."""

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from .checks import validate_checks
from .models import Category, Language, Requirement
from .parameters import validate_definitions

KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def validate_clause_content(data):
    """{field: [messages]} for a full clause content dict (the library file's clause shape)."""
    errors = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not (data.get("title") or "").strip():
        add("title", _("Le titre est obligatoire."))
    if not (data.get("body") or "").strip():
        add("body", _("Le texte de la clause est obligatoire."))
    if data.get("category") not in Category.values:
        add("category", _("Catégorie inconnue : « %(value)s ».") % {"value": data.get("category")})
    if data.get("requirement") not in Requirement.values:
        add("requirement", _("Niveau d'exigence inconnu : « %(value)s ».") % {"value": data.get("requirement")})
    if data.get("language", "fr") not in Language.values:
        add("language", _("Langue attendue : fr ou en."))
    for field, messages in validate_definitions(data.get("parameters") or [], data.get("body") or "").items():
        errors.setdefault(field, []).extend(messages)
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
    rubric = data.get("rubric") or []
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
    for index, reference in enumerate(data.get("references") or []):
        url = reference.get("url", "") if isinstance(reference, dict) else ""
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            add("references", _("Référence %(n)s : l'adresse doit commencer par https://.") % {"n": index + 1})
        elif not (reference.get("label") or "").strip():
            add("references", _("Référence %(n)s : le libellé est obligatoire.") % {"n": index + 1})
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        add("tags", _("Les étiquettes sont une liste de textes non vides."))
    check_errors = validate_checks(data.get("checks") or [])
    if check_errors:
        errors["checks"] = check_errors
    return errors
