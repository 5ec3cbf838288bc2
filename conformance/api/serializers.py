from rest_framework import serializers


class ProbeRequestSerializer(serializers.Serializer):
    """Both files optional: with none, the documents are fetched from the bid's FHIR base URL."""

    capability_statement = serializers.FileField(required=False)
    smart_configuration = serializers.FileField(required=False)
    mode = serializers.ChoiceField(choices=["static", "live"], required=False, default="static")


class ProbeQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ProbeDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    sha256 = serializers.CharField(allow_null=True)
    valid = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())


class ProbeResultSerializer(serializers.Serializer):
    tender_clause = serializers.IntegerField(allow_null=True)
    check = serializers.DictField()
    outcome = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    basis = serializers.ChoiceField(
        choices=["declared", "implied", "absent", "unreadable", "observed"],
        help_text="why: the document declares it, a default or another element implies it, it is absent, or "
        "unreadable; observed: a live check's outcome (what the sandbox answered)",
    )
    evidence = serializers.DictField()


class ProbeReportSerializer(serializers.Serializer):
    status = serializers.CharField()
    fetched_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField()
    documents = ProbeDocumentSerializer(many=True)
    results = ProbeResultSerializer(many=True)
