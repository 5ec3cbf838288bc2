"""The lead's shortcuts: accept in one request every eliminatory requirement the vendor declared met."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import access, services
from ..models import EliminatoryDecision
from .serializers import EliminatoryDecisionSerializer


class AcceptDeclaredView(GenericAPIView):
    """`POST /api/v1/bids/{id}/eliminatory/accept-declared/` (lead): the decisions made, one audit entry each."""

    serializer_class = EliminatoryDecisionSerializer
    queryset = EliminatoryDecision.objects.none()  # for the schema only: the bid is read through scoring.access

    @extend_schema(request=None, responses={200: EliminatoryDecisionSerializer(many=True)})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        decisions = services.eliminatory_accept_declared(user=request.user, bid=bid)
        return Response(EliminatoryDecisionSerializer(decisions, many=True).data)
