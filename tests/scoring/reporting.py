"""Shared by the report and letter tests: a fully decided evaluation with every report input filled."""

import datetime

from documents.models import Document
from scoring.models import (
    Answer,
    Award,
    Consensus,
    EliminatoryDecision,
    EvaluationState,
    LowOfferReview,
    ProcedureRecord,
    Score,
)
from scoring.report import builders

from .test_api_results import fill


def flat(text):
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def make_decided(evaluation):
    """A fully decided evaluation (final results, Alpha awarded) with every report input filled."""
    fill(evaluation)
    c = evaluation.criteria
    for user, (first, last) in (
        (evaluation.lead, ("Bruno", "Achat")),
        (evaluation.eval1, ("Élise", "Martin")),
        (evaluation.eval2, ("Paul", "Durand")),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    Score.objects.filter(bid=evaluation.alpha, criterion=c.api, evaluator=evaluation.eval1).update(
        comment="API FHIR complète et documentée"
    )
    Consensus.objects.filter(bid=evaluation.bravo).update(set_by=evaluation.lead)
    Answer.objects.filter(bid=evaluation.charlie, criterion=c.hds).update(text="Notre hébergeur maison suffit")
    EliminatoryDecision.objects.filter(bid=evaluation.charlie).update(
        qualification="irregular", reason="Aucun certificat HDS fourni."
    )
    EliminatoryDecision.objects.filter(bid=evaluation.bravo).update(
        regularisation_requested_on=datetime.date(2026, 11, 2),
        regularisation_request="Fournir le certificat HDS manquant.",
        regularisation_answer="Certificat transmis le 5 novembre.",
        regularisation_outcome="Offre régularisée.",
    )
    LowOfferReview.objects.create(
        bid=evaluation.bravo,
        requested_by=evaluation.lead,
        requested_at=datetime.datetime(2026, 11, 3, 10, tzinfo=datetime.UTC),
        request_note="Décomposez le prix des licences.",
        decision="kept",
        reason="Explications convaincantes sur les licences.",
        decided_by=evaluation.lead,
        decided_at=datetime.datetime(2026, 11, 6, 10, tzinfo=datetime.UTC),
    )
    ProcedureRecord.objects.create(
        tender=evaluation.tender,
        buyer_address="12 rue de l’Hôpital, 75012 Paris",
        contract_value=120000,
        lots_reason="Un seul système d’information : l’allotissement rendrait l’intégration impossible.",
        conflicts_detected="Un évaluateur a travaillé chez Bravo.",
        conflict_measures="Il s’est déporté de la notation de Bravo.",
        candidatures=[
            {"name": "Alpha", "admitted": True, "reason": "Capacités suffisantes."},
            {"name": "Delta", "admitted": False, "reason": "Attestation fiscale manquante."},
        ],
        subcontracting=[{"bid": evaluation.alpha.pk, "share": 30, "subcontractors": "HébergeurSanté SAS"}],
        signatory_name="Claire Directrice",
        signatory_role="Directrice des achats",
        signed_at=datetime.date(2026, 12, 3),
        tribunal="tribunal administratif de Paris",
        letters_sent_on=datetime.date(2026, 12, 4),
    )
    # Final results need technical scoring closed (issue S3: no awardee before close-technical).
    EvaluationState.objects.update_or_create(
        tender=evaluation.tender,
        defaults={"technical_closed_at": datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)},
    )
    # The award sequence up to the letters: decision (with the lead's summary) and certificates.
    Award.objects.create(
        tender=evaluation.tender,
        bid=evaluation.alpha,
        decided_on=datetime.date(2026, 12, 1),
        advantages=ADVANTAGES,
        decided_by=evaluation.lead,
        certificates_received_on=datetime.date(2026, 12, 2),
        certificates_recorded_at=datetime.datetime(2026, 12, 2, 9, tzinfo=datetime.UTC),
    )
    evaluation.tender.refresh_from_db()
    return evaluation


ADVANTAGES = "Interface FHIR native couvrant tous les flux demandés.\nPlan de réversibilité le plus complet."


def build(evaluation, format, kind="evaluation_report"):
    document = Document.objects.create(tender=evaluation.tender, kind=kind, format=format)
    builder = {
        "evaluation_report": builders.build_report,
        "rejection_letters": builders.build_letters,
        "award_notice": builders.build_award_notice,
    }[kind]
    return builder(document)[0]
