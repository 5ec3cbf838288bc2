"""Thin HTTP layer of the probe: find the bid in the user's organisations, check the role, call, serialise."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.api.parsers import JSONParser  # refuses too-deep JSON with a 400
from organizations.models import Organization
from scoring import access

from .. import identity, selectors, services
from .serializers import ProbeQueuedSerializer, ProbeReportSerializer, ProbeRequestSerializer


class BidProbeView(GenericAPIView):
    serializer_class = ProbeRequestSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ProbeRequestSerializer, responses={202: ProbeQueuedSerializer})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mode = data.pop("mode", "static")
        report = services.probe_request(user=request.user, bid=bid, files=data, mode=mode)
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ProbeReportSerializer})
    def get(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_reader(request.user, bid.tender)
        report = selectors.latest_report(bid)
        if report is None:
            raise Http404(_("Aucun sondage de conformité pour cette offre."))
        return Response(ProbeReportSerializer(selectors.report_payload(report, bid.tender)).data)


class BidProbeCancelView(APIView):
    """Stop the bid's running probe (a live run stops before its next request)."""

    @extend_schema(request=None, responses={202: ProbeQueuedSerializer})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        report = services.probe_cancel(user=request.user, bid=bid)
        if report is None:
            raise Http404(_("Aucun sondage de conformité pour cette offre."))
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_202_ACCEPTED)


class OrganizationJwksView(APIView):
    """The organisation's public signing keys (JWKS), for the vendor to register the client. Public by nature:
    no authentication, public keys only; the first key is made on the first request."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request, org_id):
        organization = get_object_or_404(Organization, pk=org_id)
        response = Response(identity.jwks(organization))
        response["Cache-Control"] = "public, max-age=300"
        return response
