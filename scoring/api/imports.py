"""Imports of a vendor's file into a bid (answer form, price schedule), run by the worker (scoring/imports.py).

The request checks the file cheaply, queues the job and waits for its answer up to IMPORT_WAIT_SECONDS:
the caller gets what the import always answered (200 with the outcome, 400 / 409 saying where). A job
still running then is a 202 `{"id","kind","bid","status","url"}`; `GET url` gives its state and, once
finished, `status_code` and `result` (the body the import would have answered).
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from .. import access, imports, questionnaire
from ..models import Bid, ImportJob
from .serializers import BidSerializer, QuestionnaireSerializer


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    bid = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    url = serializers.CharField()
    status_code = serializers.IntegerField(allow_null=True)
    result = serializers.DictField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


def _job_url(job):
    return reverse("api-import-job", args=[job.pk])


def _result(request, job):
    """The body the import answers: the outcome (answer form) or the bid (price schedule) when it succeeded,
    the errors when it refused; None while it runs or when it failed."""
    if job.status != ImportJob.Status.DONE:
        return None
    if job.status_code != 200:
        return imports.error_body(job)
    if job.kind == ImportJob.Kind.PRICE_SCHEDULE:
        bid = Bid.objects.select_related("tender").get(pk=job.bid_id)
        context = {"request": request, "sees_prices": access.sees_prices(request.user, bid.tender)}
        return BidSerializer(bid, context=context).data
    return job.body


def job_as_dict(request, job):
    return {
        "id": job.pk,
        "kind": job.kind,
        "bid": job.bid_id,
        "status": job.status,
        "url": _job_url(job),
        "status_code": job.status_code,
        "result": _result(request, job),
        "error": job.error,
    }


def _answer(request, job):
    """The import's own answer when the job finished within the wait, else 202 with the job's address."""
    job = imports.import_wait(job)
    if job.status == ImportJob.Status.DONE:
        return Response(_result(request, job), status=job.status_code)
    if job.status == ImportJob.Status.FAILED:
        return Response({"detail": job.error}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return Response(job_as_dict(request, job), status=status.HTTP_202_ACCEPTED, headers={"Location": _job_url(job)})


def _start(request, pk, kind, *, replace=False):
    bid = access.bid_for(request.user, pk)
    access.require_lead(request.user, bid.tender)
    serializer = QuestionnaireSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    upload = serializer.validated_data["file"]
    limit = questionnaire.questionnaire_max_bytes()
    if upload.size > limit:
        raise ValidationError({"file": [_("Fichier trop volumineux (au plus %(limit)d octets).") % {"limit": limit}]})
    job = imports.import_start(user=request.user, bid=bid, kind=kind, data=upload.read(limit + 1), replace=replace)
    return _answer(request, job)


ACCEPTED = OpenApiResponse(ImportJobSerializer, description="Import still running: its job and address.")


class QuestionnaireImportView(GenericAPIView):
    """The vendor's filled answer form (multipart `file`), imported all or nothing; `?confirm=replace` replaces
    the bid's known candidate. Read and imported by the worker (202 with the job when it takes longer than
    IMPORT_WAIT_SECONDS)."""

    serializer_class = QuestionnaireSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: dict, 202: ACCEPTED})
    def post(self, request, pk):
        replace = request.query_params.get("confirm") == "replace"
        return _start(request, pk, ImportJob.Kind.ANSWER_FORM, replace=replace)


class PriceScheduleImportView(GenericAPIView):
    """The vendor's filled price schedule (multipart `file`): the bid's price becomes its total, recomputed
    from the tender's quantities and periods; `price_source` becomes "price_schedule". Read and imported by
    the worker (202 with the job when it takes longer than IMPORT_WAIT_SECONDS)."""

    serializer_class = QuestionnaireSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: BidSerializer, 202: ACCEPTED})
    def post(self, request, pk):
        return _start(request, pk, ImportJob.Kind.PRICE_SCHEDULE)


class ImportJobView(GenericAPIView):
    """An import's state; its `result` once finished. Read by the leads of the bid's tender (else 404)."""

    serializer_class = ImportJobSerializer

    def get(self, request, pk):
        job = import_job_for(request.user, pk)
        return Response(job_as_dict(request, job))


def import_job_for(user, pk):
    """The import job `pk` when `user` leads its bid's tender; 404 otherwise (an evaluator reads no job)."""
    job = ImportJob.objects.defer("data").filter(pk=pk).first()
    if job is None:
        raise Http404
    bid = access.bid_for(user, job.bid_id)
    if not access.is_lead(user, bid.tender):
        raise Http404
    return job
