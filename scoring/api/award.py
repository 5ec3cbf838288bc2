"""The award sequence over HTTP (API.md, "Evaluation (round 2)"): decision, certificates (or the awardee's
failure to provide them, R2144-7: the award passes to the next-ranked bid), letters sent.

Each step: the lead only (evaluators 403, another organisation 404), validation (400 naming the field),
then the service, which refuses with 409 and a sentence while the previous step is not done.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import access, selectors
from ..models import AwardFailure, Bid
from ..services import award as award_services


class AwardInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField(
        required=False, allow_null=True, help_text="the lot (required when the tender has lots)"
    )
    bid = serializers.IntegerField()
    decided_on = serializers.DateField()
    advantages = serializers.CharField(max_length=20000)


class CertificatesInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField(
        required=False, allow_null=True, help_text="the lot (required when the tender has lots)"
    )
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    waived_reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CertificatesFailedInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField(
        required=False, allow_null=True, help_text="the lot (required when the tender has lots)"
    )
    reason = serializers.CharField(max_length=5000)
    failed_on = serializers.DateField()
    # The new decision, for the bid the award passes to: its date and the lead's summary of that offer.
    decided_on = serializers.DateField()
    advantages = serializers.CharField(max_length=20000)


class LettersSentInputSerializer(serializers.Serializer):
    lot = serializers.IntegerField(
        required=False, allow_null=True, help_text="the lot (required when the tender has lots)"
    )
    sent_on = serializers.DateField()
    # R2182-1: 16 days instead of 11 when the letters did not go electronically.
    electronic = serializers.BooleanField(required=False, default=True)


def award_as_dict(award, *, bids_count) -> dict | None:
    """The award sequence's state: `GET/PUT .../award/` and the results' `award`."""
    if award is None:
        return None
    until = award_services.standstill_until(award.letters_sent_on, award.letters_electronic, bids_count=bids_count)
    return {
        "bid": award.bid_id,
        "vendor": award.bid.vendor,
        "decided_on": award.decided_on.isoformat(),
        "advantages": award.advantages,
        "decided_by": award.decided_by.get_username() if award.decided_by else None,
        "certificates_received_on": award.certificates_received_on.isoformat()
        if award.certificates_received_on
        else None,
        "certificates_waived_reason": award.certificates_waived_reason,
        "letters_sent_on": award.letters_sent_on.isoformat() if award.letters_sent_on else None,
        "letters_electronic": award.letters_electronic,
        "standstill_until": until.isoformat() if until else None,
        # R2144-7: the awardees that did not provide their certificates in time, oldest first.
        "failures": [
            {
                "bid": failure.bid_id,
                "vendor": failure.bid.vendor,
                "reason": failure.reason,
                "failed_on": failure.failed_on.isoformat(),
                "recorded_by": failure.recorded_by.get_username() if failure.recorded_by else None,
            }
            for failure in AwardFailure.objects.filter(tender_id=award.tender_id, lot_id=award.lot_id).select_related(
                "bid", "recorded_by"
            )
        ],
    }


def _body(tender, lot=None):
    award = award_services.award_of(tender, lot)
    return award_as_dict(award, bids_count=Bid.objects.filter(tender=tender, lot=lot).count())


def _lot(tender, data):
    """The lot a request names (`"lot"` in the body, `?lot=` for a GET): required when the tender has lots."""
    return selectors.lot_param(tender, data.pop("lot", None))


class AwardView(GenericAPIView):
    serializer_class = AwardInputSerializer

    @extend_schema(responses={200: dict})
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_results_reader(request.user, tender)
        # Before the decision: an empty object (JSON, as the schema says), not an empty body.
        return Response(_body(tender, _lot(tender, {"lot": request.query_params.get("lot")})) or {})

    @extend_schema(request=AwardInputSerializer, responses={200: dict, 409: dict})
    def put(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lot = _lot(tender, data)
        bid = Bid.objects.filter(pk=data["bid"], tender=tender).first()
        if bid is None:
            raise serializers.ValidationError({"bid": [award_services.unknown_bid_message()]})
        award_services.award_decide(
            user=request.user,
            tender=tender,
            bid=bid,
            decided_on=data["decided_on"],
            advantages=data["advantages"],
            lot=lot,
        )
        return Response(_body(tender, lot))


class _AwardStepView(GenericAPIView):
    """One later step of the sequence: the lead posts the serializer's fields (with `"lot"` when the tender has
    lots), the service `step` records them, the answer is the award's state."""

    step = None  # the award service, a staticmethod

    def _record(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lot = _lot(tender, data)
        self.step(user=request.user, tender=tender, lot=lot, **data)
        return Response(_body(tender, lot))


class CertificatesView(_AwardStepView):
    serializer_class = CertificatesInputSerializer
    step = staticmethod(award_services.award_certificates)

    @extend_schema(request=CertificatesInputSerializer, responses={200: dict, 409: dict})
    def put(self, request, tender_id):
        return self._record(request, tender_id)


class LettersSentView(_AwardStepView):
    serializer_class = LettersSentInputSerializer
    step = staticmethod(award_services.award_letters_sent)

    @extend_schema(request=LettersSentInputSerializer, responses={200: dict, 409: dict})
    def post(self, request, tender_id):
        return self._record(request, tender_id)


class CertificatesFailedView(_AwardStepView):
    """R2144-7: the awardee did not provide its certificates in time; the award passes to the next-ranked bid."""

    serializer_class = CertificatesFailedInputSerializer
    step = staticmethod(award_services.award_certificates_failed)

    @extend_schema(request=CertificatesFailedInputSerializer, responses={200: dict, 409: dict})
    def post(self, request, tender_id):
        return self._record(request, tender_id)
