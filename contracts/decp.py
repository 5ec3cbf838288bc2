"""The contract's essential data (DECP v2, schema 2.0.3) as a plain dict, and its check against the schema.

`marche()` reads a contract, its modifications and subcontracting acts already loaded (no query here)
and leaves out what is unknown, so the official schema names every missing field. `problems()` turns
the schema's errors into sentences naming the field and the page where it is set (docs/CONTRACTS.md).
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import schemas

PROCEDURES = {
    "adapted": "Procédure adaptée",
    "open": "Appel d'offres ouvert",
    "restricted": "Appel d'offres restreint",
    "negotiated": "Procédure avec négociation",
    "no_competition": "Marché passé sans publicité ni mise en concurrence préalable",
    "competitive_dialogue": "Dialogue compétitif",
}
PRICE_FORMS = {"forfaitaire": "Forfaitaire", "unitaire": "Unitaire", "mixte": "Mixte"}
PRICE_TYPES = {
    "firm": "Définitif ferme",
    "adjustable": "Définitif actualisable",
    "revisable": "Définitif révisable",
    "provisional": "Provisoire",
}
CCAG = {
    "tic": "Techniques de l'information et de la communication",
    "supplies": "Fournitures courantes et services",
    "intellectual": "Prestations intellectuelles",
    "industrial": "Marchés industriels",
    "none": "Pas de CCAG",
}
PLACE_TYPES = {
    "postal": "Code postal",
    "commune": "Code commune",
    "arrondissement": "Code arrondissement",
    "canton": "Code canton",
    "department": "Code département",
    "region": "Code région",
    "country": "Code pays",
}
TECHNIQUES = {
    "framework": "Accord-cadre",
    "contest": "Concours",
    "qualification": "Système de qualification",
    "dynamic": "Système d'acquisition dynamique",
    "catalogue": "Catalogue électronique",
    "auction": "Enchère électronique",
    "none": "Sans objet",
}
EXECUTION_MODES = {
    "tranches": "Tranches",
    "orders": "Bons de commande",
    "subsequent": "Marchés subséquents",
    "none": "Sans objet",
}
GROUPINGS = {"none": "Pas de groupement", "joint": "Conjoint", "several": "Solidaire"}
SOCIAL = {
    "clause": "Clause sociale",
    "criterion": "Critère social",
    "reserved": "Marché réservé",
    "none": "Pas de considération sociale",
}
ENVIRONMENTAL = {
    "clause": "Clause environnementale",
    "criterion": "Critère environnemental",
    "none": "Pas de considération environnementale",
}
PRICE_VARIATIONS = {"firm": "Ferme", "adjustable": "Actualisable", "revisable": "Révisable"}

CONTRACT_PAGE = gettext_lazy("page du marché, formulaire « Données du marché »")
ORGANIZATION_PAGE = gettext_lazy("page de l'organisation (réservé à ses administrateurs)")
BID_PAGE = gettext_lazy("page du marché, formulaire « Données du marché » (repris du cadre de réponse du titulaire)")
MODIFICATION_PAGE = gettext_lazy("page du marché, formulaire « Modifications (avenants) »")
ACT_PAGE = gettext_lazy("page du marché, formulaire « Actes de sous-traitance »")
TENDER_PAGE = gettext_lazy("paramètres de l'appel d'offres")
BIDS_PAGE = gettext_lazy("page des offres de l'évaluation")
# Where each page is, for the panel's links. Keyed by identity: a lazy text hashes as its translation.
PAGE_KEYS = {
    id(CONTRACT_PAGE): "contract",
    id(ORGANIZATION_PAGE): "organization",
    id(BID_PAGE): "contract",
    id(MODIFICATION_PAGE): "modification",
    id(ACT_PAGE): "act",
    id(TENDER_PAGE): "tender",
    id(BIDS_PAGE): "bids",
}

# The DECP name of a field → (what a buyer calls it, where it is set). Keys of modifications and acts
# are prefixed with their list's name.
FIELDS = {
    "id": (gettext_lazy("identifiant du marché"), CONTRACT_PAGE),
    "acheteur": (gettext_lazy("SIRET de l'acheteur"), ORGANIZATION_PAGE),
    "acheteur.id": (gettext_lazy("SIRET de l'acheteur"), ORGANIZATION_PAGE),
    "nature": (gettext_lazy("nature du marché"), CONTRACT_PAGE),
    "objet": (gettext_lazy("objet du marché"), TENDER_PAGE),
    "codeCPV": (gettext_lazy("code CPV"), CONTRACT_PAGE),
    "techniques": (gettext_lazy("techniques d'achat"), CONTRACT_PAGE),
    "modalitesExecution": (gettext_lazy("modalités d'exécution"), CONTRACT_PAGE),
    "idAccordCadre": (gettext_lazy("identifiant de l'accord-cadre"), CONTRACT_PAGE),
    "marcheInnovant": (gettext_lazy("marché innovant"), CONTRACT_PAGE),
    "ccag": (gettext_lazy("CCAG de référence"), CONTRACT_PAGE),
    "offresRecues": (gettext_lazy("nombre d'offres reçues"), BIDS_PAGE),
    "attributionAvance": (gettext_lazy("avance attribuée"), CONTRACT_PAGE),
    "tauxAvance": (gettext_lazy("taux de l'avance"), CONTRACT_PAGE),
    "typeGroupementOperateurs": (gettext_lazy("groupement d'opérateurs"), CONTRACT_PAGE),
    "sousTraitanceDeclaree": (gettext_lazy("sous-traitance déclarée"), CONTRACT_PAGE),
    "procedure": (gettext_lazy("procédure"), CONTRACT_PAGE),
    "lieuExecution": (gettext_lazy("lieu d'exécution (code et type de code)"), CONTRACT_PAGE),
    "code": (gettext_lazy("code du lieu d'exécution"), CONTRACT_PAGE),
    "typeCode": (gettext_lazy("type de code du lieu d'exécution"), CONTRACT_PAGE),
    "dureeMois": (gettext_lazy("durée (mois)"), CONTRACT_PAGE),
    "dateNotification": (gettext_lazy("date de notification"), CONTRACT_PAGE),
    "datePublicationDonnees": (gettext_lazy("date de publication des données"), CONTRACT_PAGE),
    "montant": (gettext_lazy("montant HT"), CONTRACT_PAGE),
    "typesPrix": (gettext_lazy("types de prix"), CONTRACT_PAGE),
    "formePrix": (gettext_lazy("forme du prix"), CONTRACT_PAGE),
    "titulaires": (gettext_lazy("SIRET du titulaire"), BID_PAGE),
    "titulaire": (gettext_lazy("SIRET du titulaire"), BID_PAGE),
    "considerationsSociales": (gettext_lazy("considérations sociales"), CONTRACT_PAGE),
    "considerationsEnvironnementales": (gettext_lazy("considérations environnementales"), CONTRACT_PAGE),
    "modifications": (gettext_lazy("modification (avenant)"), MODIFICATION_PAGE),
    "actesSousTraitance": (gettext_lazy("acte de sous-traitance"), ACT_PAGE),
}


def _number(value):
    """Amounts as JSON numbers: whole euros as integers, cents kept otherwise."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(day):
    return day.isoformat() if day else None


def _drop_empty(record):
    return {key: value for key, value in record.items() if value not in (None, "", [], {})}


def _holder(siret):
    return [{"titulaire": {"typeIdentifiant": "SIRET", "id": siret}}] if siret else []


def _listed(codes, labels, key):
    values = [labels[c] for c in codes or [] if c in labels]
    return {key: values} if values else None


def marche(contract, *, organization_siret, title, offers, modifications, acts, today) -> dict:
    """The DECP "marche" of `contract` (plain dict). `today` dates what was never published before."""
    record = {
        "id": contract.uid,
        "acheteur": {"id": organization_siret} if organization_siret else None,
        "nature": "Marché",
        "objet": (title or "")[:1000],
        "codeCPV": contract.cpv,
        "techniques": _listed(contract.techniques, TECHNIQUES, "technique"),
        "modalitesExecution": _listed(contract.execution_modes, EXECUTION_MODES, "modaliteExecution"),
        "idAccordCadre": contract.framework_uid or None,
        "marcheInnovant": bool(contract.innovative),
        "ccag": CCAG.get(contract.ccag),
        "offresRecues": offers or None,
        "attributionAvance": bool(contract.advance),
        "tauxAvance": float(contract.advance_rate or 0) if contract.advance else None,
        "typeGroupementOperateurs": GROUPINGS.get(contract.grouping),
        "sousTraitanceDeclaree": bool(contract.subcontracting_declared),
        "procedure": PROCEDURES.get(contract.procedure),
        "lieuExecution": _drop_empty({"code": contract.place_code, "typeCode": PLACE_TYPES.get(contract.place_type)}),
        "dureeMois": contract.duration_months,
        "dateNotification": _iso(contract.notified_on),
        "datePublicationDonnees": _iso(contract.data_published_on or max(today, contract.notified_on)),
        "montant": _number(contract.amount) if contract.amount is not None else None,
        "typesPrix": _listed(contract.price_types, PRICE_TYPES, "typePrix"),
        "formePrix": PRICE_FORMS.get(contract.price_form),
        "titulaires": _holder(contract.holder_siret),
        "considerationsSociales": _listed(contract.social_considerations, SOCIAL, "considerationSociale"),
        "considerationsEnvironnementales": _listed(
            contract.environmental_considerations, ENVIRONMENTAL, "considerationEnvironnementale"
        ),
        "actesSousTraitance": [{"acteSousTraitance": _act(act, today)} for act in acts],
        "modifications": [{"modification": _modification(m, today)} for m in modifications],
    }
    # Booleans must stay even when false: only None, "" and empty containers mean "unknown".
    return _drop_empty(record)


def _act(act, today):
    return _drop_empty(
        {
            "id": act.number,
            "sousTraitant": {"typeIdentifiant": "SIRET", "id": act.subcontractor_siret}
            if act.subcontractor_siret
            else None,
            "dureeMois": act.duration_months,
            "dateNotification": _iso(act.notified_on),
            "datePublicationDonnees": _iso(act.data_published_on or max(today, act.notified_on)),
            "montant": _number(act.amount) if act.amount is not None else None,
            "variationPrix": PRICE_VARIATIONS.get(act.price_variation),
        }
    )


def _modification(modification, today):
    return _drop_empty(
        {
            "id": modification.number,
            "dateNotificationModification": _iso(modification.notified_on),
            "datePublicationDonneesModification": _iso(
                modification.data_published_on or max(today, modification.notified_on)
            ),
            "dureeMois": modification.duration_months,
            "montant": _number(modification.amount) if modification.amount is not None else None,
        }
    )


def document(marches: list[dict]) -> dict:
    """The file as the schema wants it: {"marches": {"marche": [...]}}."""
    return {"marches": {"marche": marches}}


def _path(error) -> list:
    return list(error.absolute_path)


def _field_of(error):
    """The DECP field an error is about: the missing property of a `required` error, else the last name."""
    if error.validator == "required":
        return str(error.message).split("'")[1]
    names = [p for p in _path(error) if isinstance(p, str)]
    return names[-1] if names else ""


def problems(doc) -> list[dict]:
    """[{"path", "field", "message", "page"}] for every schema error; [] when the document is valid.

    `path` is the JSON path of the error in the file ("marches.marche[0].codeCPV"), `message` a sentence
    naming the field and the page where it is set, then the schema's own words; `page` says which one
    (contract, organization, modification, act, tender, bids).
    """
    out = []
    for error in schemas.errors_of(schemas.decp_validator(), doc):
        field = _field_of(error)
        parts = _path(error)
        if error.validator == "required":
            parts = [*parts, field]
        path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(parts))
        key = field
        names = [p for p in parts if isinstance(p, str)]
        if "modifications" in names[:-1]:
            key = "modifications"
        elif "actesSousTraitance" in names[:-1]:
            key = "actesSousTraitance"
        elif names[-2:] == ["acheteur", "id"]:
            key = "acheteur.id"
        label, page = FIELDS.get(key, (field, CONTRACT_PAGE))
        if error.validator == "required":
            text = _("%(label)s manquant (%(field)s) : à renseigner sur la %(page)s.")
        else:
            text = _("%(label)s invalide (%(field)s) : à corriger sur la %(page)s. Schéma : %(detail)s")
        out.append(
            {
                "path": path,
                "field": field,
                "message": text % {"label": label, "field": field, "page": page, "detail": error.message},
                "page": PAGE_KEYS.get(id(page), "contract"),
            }
        )
    return sorted(out, key=lambda problem: problem["path"])
