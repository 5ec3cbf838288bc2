"""A demo evaluation on top of `load_demo`: a published tender of CHU Démo with its criteria grid,
three bids, eval1 and eval2 named (eval1 has declared and scored). Safe to run again."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clause_library.models import Clause
from organizations.models import Organization
from scoring import services
from scoring.models import Bid, Criterion, Evaluator
from tenders import services as tender_services
from tenders.models import Tender

REFERENCE = "AO-DEMO-EVAL"
BIDS = [
    ("Éditeur Alpha", Decimal("480000")),
    ("Éditeur Bravo", Decimal("395000")),
    ("Éditeur Charlie", Decimal("520000")),
]


class Command(BaseCommand):
    help = "Create a demo evaluation (run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Run even when DEBUG is off.")

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("load_demo_evaluation is demo data: refused with DEBUG=False (use --allow-production).")
        User = get_user_model()
        try:
            chu = Organization.objects.get(name="CHU Démo")
            buyer, eval1, eval2 = (User.objects.get(username=name) for name in ("buyer", "eval1", "eval2"))
        except (Organization.DoesNotExist, User.DoesNotExist):
            raise CommandError("Run `python manage.py load_demo` first.")
        if Tender.objects.filter(organization=chu, reference=REFERENCE).exists():
            self.stdout.write("Demo evaluation already there.")
            return
        tender = tender_services.tender_create(
            user=buyer,
            organization=chu,
            reference=REFERENCE,
            title="Dossier patient informatisé — démonstration de l'évaluation",
            single_lot_reason=(
                "Le dossier patient informatisé est un progiciel intégré : le diviser en lots rendrait son "
                "exécution techniquement difficile (article L2113-11 du code de la commande publique)."
            ),
        )
        clauses = (
            Clause.objects.filter(library__shared_with=chu, current__requirement__in=["scored", "mandatory"])
            .select_related("current")
            .order_by("library_id", "key")
        )
        scored = [c for c in clauses if c.current.requirement == "scored"][:5]
        mandatory = [c for c in clauses if c.current.requirement == "mandatory"][:2]
        if not scored:
            raise CommandError("No scored clause is shared with CHU Démo: load the default library first.")
        for clause in scored + mandatory:
            tender_services.tender_clause_add(user=buyer, tender=tender, clause=clause)
        services.criteria_from_clauses(user=buyer, tender=tender)
        tender = tender_services.tender_publish(user=buyer, tender=tender)
        bids = [services.bid_create(user=buyer, tender=tender, vendor=vendor, price=price) for vendor, price in BIDS]
        # The lead checked the eliminatory requirements of every bid: all met (only a decision admits a bid).
        for criterion in Criterion.objects.filter(tender=tender, kind="eliminatory"):
            for bid in bids:
                services.eliminatory_decide(user=buyer, bid=bid, criterion=criterion, decision="compliant")
        for person in (eval1, eval2):
            services.evaluator_add(user=buyer, tender=tender, username=person.username)
        services.evaluator_declare(user=eval1, tender=tender, no_conflict=True)
        leaves = [
            c for c in Criterion.objects.filter(tender=tender, kind="scored", parent__isnull=False).order_by("position")
        ]
        for b_index, bid in enumerate(bids):
            for c_index, criterion in enumerate(leaves):
                value = Decimal((b_index + c_index) % (criterion.scale_max + 1))
                services.score_set(
                    user=eval1,
                    bid=bid,
                    criterion=criterion,
                    value=value,
                    comment=f"Note {value} : réponse lue au regard du barème du critère.",
                )
        assert Evaluator.objects.filter(tender=tender).count() == 2 and Bid.objects.filter(tender=tender).count() == 3
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo evaluation ready: tender {REFERENCE} (/evaluation/tenders/{tender.pk}/); eval2 still has to declare and score."
            )
        )
