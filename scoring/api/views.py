"""Thin HTTP layer of the evaluation: check who may, validate, call a service or selector, serialise."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from organizations.errors import ApplicationError
from tenders.models import Tender

from .. import access, market, rules, selectors, services, simulation
from ..models import Criterion, EliminatoryDecision
from .award import award_as_dict
from .serializers import (
    AnswerSerializer,
    AuditEventSerializer,
    BidSerializer,
    ConsensusInputSerializer,
    ConsensusSerializer,
    CriterionSerializer,
    DeclarationSerializer,
    EliminatoryDecisionInputSerializer,
    EliminatoryDecisionSerializer,
    EvaluatorSerializer,
    FromClausesSerializer,
    LowOfferDecisionSerializer,
    LowOfferRequestSerializer,
    LowOfferReviewSerializer,
    LowOfferThresholdSerializer,
    MarketCheckRowSerializer,
    ReopenSerializer,
    ResultsSerializer,
    ScoreInputSerializer,
    ScoreSerializer,
    SimulationInputSerializer,
    StateSerializer,
    low_offer_as_dict,
)


def _references(tender, data):
    """Turn the ids of `parent`, `tender_clause` and `lot` into objects of this tender, or say which is unknown."""
    resolved = {}
    for key, value in data.items():
        if key == "parent_id":
            parent = None if value is None else selectors.criterion_in(tender, value)
            if value is not None and parent is None:
                raise ValidationError({"parent": [_("Critère parent inconnu pour ce marché.")]})
            resolved["parent"] = parent
        elif key == "tender_clause_id":
            clause = None if value is None else selectors.tender_clause_in(tender, value)
            if value is not None and clause is None:
                raise ValidationError({"tender_clause": [_("Clause inconnue pour ce marché.")]})
            resolved["tender_clause"] = clause
        elif key == "lot_id":
            lot = None if value is None else tender.lots.filter(pk=value).first()
            if value is not None and lot is None:
                raise ValidationError({"lot": [_("Lot inconnu dans cet appel d'offres.")]})
            resolved["lot"] = lot
        else:
            resolved[key] = value
    return resolved


class TenderCriteriaView(GenericAPIView):
    serializer_class = CriterionSerializer

    @extend_schema(responses=CriterionSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        page = self.paginate_queryset(selectors.criteria_of(tender))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={201: CriterionSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criterion = services.criterion_create(
            user=request.user, tender=tender, data=_references(tender, serializer.validated_data)
        )
        return Response(self.get_serializer(criterion).data, status=status.HTTP_201_CREATED)


class CriterionDetailView(GenericAPIView):
    serializer_class = CriterionSerializer

    def get(self, request, pk):
        return Response(self.get_serializer(access.criterion_for(request.user, pk)).data)

    def patch(self, request, pk):
        criterion = access.criterion_for(request.user, pk)
        access.require_lead(request.user, criterion.tender)
        serializer = self.get_serializer(criterion, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        criterion = services.criterion_update(
            user=request.user, criterion=criterion, changes=_references(criterion.tender, serializer.validated_data)
        )
        return Response(self.get_serializer(criterion).data)

    def delete(self, request, pk):
        criterion = access.criterion_for(request.user, pk)
        access.require_lead(request.user, criterion.tender)
        services.criterion_delete(user=request.user, criterion=criterion)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CriteriaFromClausesView(GenericAPIView):
    serializer_class = FromClausesSerializer
    queryset = Criterion.objects.none()  # for the schema only: the view reads through services

    @extend_schema(request=FromClausesSerializer, responses={201: CriterionSerializer(many=True)})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = FromClausesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.criteria_from_clauses(user=request.user, tender=tender, **serializer.validated_data)
        criteria = selectors.criteria_of(tender)
        return Response(
            {"count": len(criteria), "results": CriterionSerializer(criteria, many=True).data},
            status=status.HTTP_201_CREATED,
        )


class TenderEvaluatorsView(GenericAPIView):
    serializer_class = EvaluatorSerializer

    @extend_schema(responses=EvaluatorSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_reader(request.user, tender)
        page = self.paginate_queryset(selectors.evaluators_of(tender))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={201: EvaluatorSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evaluator = services.evaluator_add(
            user=request.user, tender=tender, username=serializer.validated_data["user"]["username"]
        )
        return Response(self.get_serializer(evaluator).data, status=status.HTTP_201_CREATED)


class TenderEvaluatorDetailView(GenericAPIView):
    serializer_class = EvaluatorSerializer

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, tender_id, username):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        services.evaluator_remove(user=request.user, tender=tender, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeclarationView(GenericAPIView):
    serializer_class = DeclarationSerializer

    @extend_schema(responses={200: EvaluatorSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evaluator = services.evaluator_declare(user=request.user, tender=tender, **serializer.validated_data)
        return Response(EvaluatorSerializer(evaluator).data)


class RevealView(GenericAPIView):
    serializer_class = StateSerializer

    @extend_schema(request=None, responses={200: StateSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        return Response(StateSerializer(services.tender_reveal(user=request.user, tender=tender)).data)


class CloseTechnicalView(GenericAPIView):
    serializer_class = StateSerializer

    @extend_schema(request=None, responses={200: StateSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        return Response(StateSerializer(services.tender_close_technical(user=request.user, tender=tender)).data)


class ReopenView(GenericAPIView):
    """A recorded, justified reopening after close-technical (lead only; audited as tender.reopen)."""

    serializer_class = ReopenSerializer

    @extend_schema(request=ReopenSerializer, responses={200: StateSerializer, 409: dict})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = services.tender_reopen(user=request.user, tender=tender, **serializer.validated_data)
        return Response(StateSerializer(state).data)


class TenderBidsView(GenericAPIView):
    serializer_class = BidSerializer

    @extend_schema(responses=BidSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_reader(request.user, tender)
        page = self.paginate_queryset(selectors.bids_of(tender))
        context = {**self.get_serializer_context(), "sees_prices": access.sees_prices(request.user, tender)}
        return self.get_paginated_response(BidSerializer(page, many=True, context=context).data)

    @extend_schema(responses={201: BidSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid = services.bid_create(user=request.user, tender=tender, **serializer.validated_data)
        return Response(self.get_serializer(bid).data, status=status.HTTP_201_CREATED)


class BidDetailView(GenericAPIView):
    serializer_class = BidSerializer

    def get(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_reader(request.user, bid.tender)
        context = {**self.get_serializer_context(), "sees_prices": access.sees_prices(request.user, bid.tender)}
        return Response(BidSerializer(bid, context=context).data)

    def patch(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(bid, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        bid = services.bid_update(user=request.user, bid=bid, changes=serializer.validated_data)
        return Response(self.get_serializer(bid).data)

    def delete(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        services.bid_delete(user=request.user, bid=bid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BidAnswersView(GenericAPIView):
    serializer_class = AnswerSerializer

    @extend_schema(responses=AnswerSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_reader(request.user, bid.tender)
        # Sealed price: the answer to the price criterion states the price (omitted, as the bid page does).
        sealed = not access.sees_prices(request.user, bid.tender)
        page = self.paginate_queryset(selectors.answers_of(bid, sealed_price=sealed))
        serializer = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(), "tender": bid.tender}
        )
        return self.get_paginated_response(serializer.data)

    @extend_schema(responses={201: AnswerSerializer})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        criterion = selectors.criterion_in(bid.tender, data["criterion_id"])
        if criterion is None:
            raise ValidationError({"criterion": [_("Critère inconnu pour ce marché.")]})
        answer = services.answer_set(
            user=request.user,
            bid=bid,
            criterion=criterion,
            text=data.get("text", ""),
            compliant=data.get("compliant"),
            evidence=data.get("evidence", ""),
            committed_values=data.get("committed_values"),
        )
        return Response(self.get_serializer(answer).data, status=status.HTTP_201_CREATED)


class BidScoresView(GenericAPIView):
    serializer_class = ScoreSerializer

    @extend_schema(responses=ScoreSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_reader(request.user, bid.tender)
        only = None if access.sees_all_scores(request.user, bid.tender) else request.user
        page = self.paginate_queryset(selectors.scores_of(bid, only_user=only))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ScoreView(GenericAPIView):
    serializer_class = ScoreInputSerializer

    @extend_schema(request=ScoreInputSerializer, responses={200: ScoreSerializer, 409: dict})
    def put(self, request, bid_id, criterion_id):
        bid = access.bid_for(request.user, bid_id)
        criterion = access.criterion_of_tender(bid.tender, criterion_id)
        access.require_reader(request.user, bid.tender)
        serializer = ScoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        score = services.score_set(user=request.user, bid=bid, criterion=criterion, **serializer.validated_data)
        return Response(ScoreSerializer(score).data)


class ConsensusView(GenericAPIView):
    serializer_class = ConsensusInputSerializer

    @extend_schema(request=ConsensusInputSerializer, responses={200: ConsensusSerializer})
    def put(self, request, bid_id, criterion_id):
        bid = access.bid_for(request.user, bid_id)
        criterion = access.criterion_of_tender(bid.tender, criterion_id)
        access.require_lead(request.user, bid.tender)
        serializer = ConsensusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consensus = services.consensus_set(user=request.user, bid=bid, criterion=criterion, **serializer.validated_data)
        return Response(ConsensusSerializer(consensus).data)


class BidEliminatoryListView(GenericAPIView):
    serializer_class = EliminatoryDecisionSerializer
    queryset = EliminatoryDecision.objects.none()  # for the schema only: the view reads through selectors

    @extend_schema(responses=EliminatoryDecisionSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_reader(request.user, bid.tender)
        page = self.paginate_queryset(selectors.eliminatory_decisions_of(bid))
        context = {**self.get_serializer_context(), "sees_prices": access.sees_prices(request.user, bid.tender)}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)


class BidEliminatoryView(GenericAPIView):
    """The lead's decision on one eliminatory requirement of a bid; evaluators of the tender may read it."""

    serializer_class = EliminatoryDecisionInputSerializer

    @extend_schema(responses={200: EliminatoryDecisionSerializer})
    def get(self, request, bid_id, criterion_id):
        bid = access.bid_for(request.user, bid_id)
        criterion = access.criterion_of_tender(bid.tender, criterion_id)
        access.require_reader(request.user, bid.tender)
        if criterion.kind != Criterion.Kind.ELIMINATORY:
            raise ValidationError({"criterion": [_("Ce critère n'est pas éliminatoire.")]})
        decision = selectors.eliminatory_decisions_of(bid).filter(criterion=criterion).first()
        if decision is None:
            # Not decided yet: the vendor's own statement, if any, as a suggestion for the lead.
            decision = EliminatoryDecision(bid=bid, criterion=criterion, decision=None, decided_at=None)
        context = {"sees_prices": access.sees_prices(request.user, bid.tender)}
        return Response(EliminatoryDecisionSerializer(decision, context=context).data)

    @extend_schema(request=EliminatoryDecisionInputSerializer, responses={200: EliminatoryDecisionSerializer})
    def put(self, request, bid_id, criterion_id):
        bid = access.bid_for(request.user, bid_id)
        criterion = access.criterion_of_tender(bid.tender, criterion_id)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.eliminatory_decide(
            user=request.user, bid=bid, criterion=criterion, **serializer.validated_data
        )
        return Response(EliminatoryDecisionSerializer(decision).data)


class ResultsView(GenericAPIView):
    serializer_class = ResultsSerializer

    @extend_schema(parameters=[OpenApiParameter("lot", int, description="the lot (required when the tender has lots)")])
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_results_reader(request.user, tender)
        lot = selectors.lot_param(tender, request.query_params.get("lot"))
        try:
            outcome = selectors.tender_outcome(tender, lot)
        except rules.CriteriaError as error:
            raise ApplicationError({"criteria": error.messages})
        except rules.PriceError as error:
            raise ApplicationError({"price": [str(error)]})
        body = rules.results_as_dict(outcome.results, tender.price_formula)
        # Provisional until nothing blocks (API.md, "Evaluation (additions)"); no awardee before.
        body["provisional"] = outcome.provisional
        body["blocking"] = outcome.blocking
        body["awardee"] = outcome.awardee
        if lot is not None and tender.max_lots_per_bidder:
            # The limit of lots per bidder may pass the lot to the next-ranked offer (docs/LOTS.md).
            lot_award = selectors.lot_awards(tender)[lot.pk]
            body["awardee"], body["passed_over"] = lot_award.awardee, lot_award.passed_over
        body["tie_break"] = outcome.tie
        # The award sequence (API.md, "Evaluation (round 2)"): its state and the end of the standstill.
        award_body = award_as_dict(services.award_of(tender, lot), bids_count=len(outcome.results))
        body["award"] = award_body
        body["standstill_until"] = award_body["standstill_until"] if award_body else None
        for row in body["bids"]:
            row["abnormally_low"] = low_offer_as_dict(outcome.low_offers.get(row["bid"]))
            if row["eligible"] is False:
                # An offer set aside is not scored: no points to compare (API.md, "Evaluation (round 2)").
                row["technical_points"] = row["price_points"] = row["total"] = None
        return Response(body)


class AuditView(GenericAPIView):
    serializer_class = AuditEventSerializer

    @extend_schema(responses=AuditEventSerializer(many=True))  # a paginated list, as the view answers
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        page = self.paginate_queryset(selectors.audit_of(tender))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# Abnormally low offers ------------------------------------------------------------------------


def _low_offers_body(tender):
    outcome = selectors.low_offers_of(tender)
    rows = [low_offer_as_dict(row) for row in outcome.low_offers.values()]
    return {
        "threshold": rules.as_number(outcome.threshold),
        "provisional": outcome.provisional,
        "count": len(rows),
        "results": rows,
    }


class LowOffersView(GenericAPIView):
    """Bids whose price is more than `threshold` % below the mean of the other eligible bids, with their review."""

    serializer_class = LowOfferThresholdSerializer

    @extend_schema(responses={200: dict})
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_results_reader(request.user, tender)
        return Response(_low_offers_body(tender))

    @extend_schema(request=LowOfferThresholdSerializer, responses={200: dict})
    def patch(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.low_offer_threshold_set(user=request.user, tender=tender, **serializer.validated_data)
        return Response(_low_offers_body(tender))


class LowOfferRequestView(GenericAPIView):
    serializer_class = LowOfferRequestSerializer

    @extend_schema(request=LowOfferRequestSerializer, responses={200: LowOfferReviewSerializer})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.low_offer_request(user=request.user, bid=bid, **serializer.validated_data)
        return Response(LowOfferReviewSerializer(review).data)


class LowOfferDecisionView(GenericAPIView):
    serializer_class = LowOfferDecisionSerializer

    @extend_schema(request=LowOfferDecisionSerializer, responses={200: LowOfferReviewSerializer})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.low_offer_decide(user=request.user, bid=bid, **serializer.validated_data)
        return Response(LowOfferReviewSerializer(review).data)


# Simulation -----------------------------------------------------------------------------------


class SimulateView(GenericAPIView):
    """Rank hypothetical bids under each price formula and weight move; writes nothing (draft or published)."""

    serializer_class = SimulationInputSerializer

    @extend_schema(request=SimulationInputSerializer, responses={200: dict})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criteria = selectors.rule_criteria(selectors.criteria_of(tender))
        bids = serializer.validated_data["bids"] or simulation.profiles(criteria)
        try:
            outcome = simulation.simulate(
                criteria=criteria, bids=bids, formula=tender.price_formula, step=serializer.validated_data["step"]
            )
        except rules.CriteriaError as error:
            raise ApplicationError({"criteria": error.messages})
        except simulation.SimulationError as error:
            raise ApplicationError(error.errors)
        return Response(simulation.as_json(outcome))


class MarketCheckView(GenericAPIView):
    """Before publishing: for each eliminatory requirement, how many of the organisation's earlier
    judged bids on the same clause met it (scoring/market.py). Read as the tender is read: every
    member of its organisation; another organisation's tender is missing (404)."""

    serializer_class = MarketCheckRowSerializer
    pagination_class = None
    queryset = Tender.objects.none()  # for the schema's path parameter type only; the view reads through `access`

    @extend_schema(responses=MarketCheckRowSerializer(many=True))
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        return Response(self.get_serializer(market.market_check(tender), many=True).data)
