from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizations.models import Organization

from ..models import Category, ClauseVersion, Destination, Language, Library, Requirement


class OrganizationField(serializers.PrimaryKeyRelatedField):
    """An organisation id. An unknown id answers exactly like one the caller is not a member of
    ("Organisation inconnue.", see check_member), so the field tells nothing about which ids exist."""

    default_error_messages = {
        "required": serializers.PrimaryKeyRelatedField.default_error_messages["required"],
        "does_not_exist": gettext_lazy("Organisation inconnue."),
        "incorrect_type": gettext_lazy("Organisation inconnue."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Organization.objects.all())
        super().__init__(**kwargs)


class SharedWithField(serializers.PrimaryKeyRelatedField):
    """An organisation to share with. Unknown, malformed and unrelated ids all get the same message (F10):
    the service checks the relation and refuses with this wording too."""

    default_error_messages = {
        "required": serializers.PrimaryKeyRelatedField.default_error_messages["required"],
        "does_not_exist": gettext_lazy(
            "Organisation inconnue ou sans lien avec la vôtre (établissements adhérents, groupements)."
        ),
        "incorrect_type": gettext_lazy(
            "Organisation inconnue ou sans lien avec la vôtre (établissements adhérents, groupements)."
        ),
    }


class LibrarySerializer(serializers.ModelSerializer):
    clause_count = serializers.IntegerField(read_only=True)
    shared_with = SharedWithField(many=True, queryset=Organization.objects.all(), required=False)
    organization = OrganizationField()

    class Meta:
        model = Library
        fields = [
            "id",
            "name",
            "description",
            "organization",
            "language",
            "visibility",
            "shared_with",
            "origin",
            "clause_count",
            "updated_at",
        ]
        read_only_fields = ["id", "origin", "clause_count", "updated_at"]


class LibraryUpdateSerializer(LibrarySerializer):
    class Meta(LibrarySerializer.Meta):
        read_only_fields = ["id", "organization", "origin", "clause_count", "updated_at"]


class ParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=["text", "integer", "decimal", "boolean", "date", "choice"])
    default = serializers.JSONField(required=False, allow_null=True)
    required = serializers.BooleanField(required=False, default=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    min = serializers.FloatField(required=False, allow_null=True)
    max = serializers.FloatField(required=False, allow_null=True)
    help = serializers.CharField(required=False, allow_blank=True)


class RubricLevelSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    description = serializers.CharField()


class ReferenceSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class ClauseSerializer(serializers.Serializer):
    """A clause as its current version's content; writes go through services."""

    id = serializers.IntegerField(read_only=True)
    # An unknown id and a library the caller may not see answer alike (see ClauseViewSet.perform_create).
    library = serializers.PrimaryKeyRelatedField(
        queryset=Library.objects.all(),
        error_messages={
            "does_not_exist": gettext_lazy("Bibliothèque inconnue."),
            "incorrect_type": gettext_lazy("Bibliothèque inconnue."),
        },
    )
    key = serializers.SlugField(max_length=100)
    title = serializers.CharField(max_length=300)
    category = serializers.ChoiceField(choices=Category.choices)
    language = serializers.ChoiceField(choices=Language.choices, default="fr")
    body = serializers.CharField(max_length=50000, trim_whitespace=False)
    parameters = serializers.JSONField(
        required=False, default=list, help_text="[{name,label,type,default,required,choices,min,max,help}]"
    )
    requirement = serializers.ChoiceField(choices=Requirement.choices)
    question = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    default_weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, coerce_to_string=False
    )
    scale_max = serializers.IntegerField(required=False, default=5, min_value=1, max_value=100)
    rubric = serializers.JSONField(required=False, default=list, help_text="[{score, description}]")
    references = serializers.JSONField(
        required=False,
        default=list,
        help_text="[{label, url, informative?, statutory?}] (informative: printed as non-binding; "
        "statutory: a legal obligation, never followed by 'ou équivalent')",
    )
    tags = serializers.JSONField(required=False, default=list, help_text="[str]")
    checks = serializers.JSONField(required=False, default=list, help_text="conformance checks")
    destination = serializers.ChoiceField(
        choices=Destination.choices,
        default=Destination.ANNEX,
        help_text="piece of the consultation file: annex (CCTP annex), ccap, rc or price",
    )
    derogations = serializers.JSONField(
        required=False,
        default=list,
        help_text='CCAG-TIC 2021 article numbers a ccap clause departs from, e.g. ["14.1.1"]',
    )
    legal_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20000,
        trim_whitespace=False,
        help_text="for buyers: why the clause is lawful, its risk, its source; never printed in the tender",
    )
    appreciation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10000,
        trim_whitespace=False,
        help_text="scored clauses: what is appreciated beyond the binding minimum the body states (non-contractual)",
    )
    deferrable = serializers.BooleanField(
        required=False,
        default=False,
        help_text="scored clauses: may be delivered after acceptance on a dated roadmap milestone",
    )
    price_lines = serializers.JSONField(
        required=False,
        default=list,
        help_text='[{"code","label","unit","quantity","period"}] lines the clause adds to the price schedule',
    )
    preview = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    origin = serializers.IntegerField(read_only=True, allow_null=True, help_text="id of the clause it was copied from")
    based_on = serializers.IntegerField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, clause):
        data = {"id": clause.pk, "library": clause.library_id, "key": clause.key}
        data.update(clause.current.content())
        data.update(
            preview=self.get_preview(clause),
            version=clause.current.number,
            origin=clause.origin_id,
            based_on=clause.based_on,
            updated_at=serializers.DateTimeField().to_representation(clause.updated_at),
        )
        return data

    @extend_schema_field(serializers.CharField())
    def get_preview(self, clause):
        return clause.current.preview

    @extend_schema_field(serializers.IntegerField())
    def get_version(self, clause):
        return clause.current.number

    def validate_parameters(self, value):
        return _list_of(value, dict, _("Une liste d'objets paramètre est attendue."))

    def validate_rubric(self, value):
        return _list_of(value, dict, _("Une liste de niveaux {score, description} est attendue."))

    def validate_references(self, value):
        return _list_of(value, dict, _("Une liste de références {label, url} est attendue."))

    def validate_tags(self, value):
        return _list_of(value, str, _("Une liste de textes est attendue."))

    def validate_checks(self, value):
        return _list_of(value, dict, _("Une liste de vérifications est attendue."))

    def validate_price_lines(self, value):
        return _list_of(
            value, dict, _("Une liste de lignes de prix {code, label, unit, quantity, period} est attendue.")
        )

    def validate_derogations(self, value):
        return _list_of(value, str, _("Une liste de numéros d'articles du CCAG-TIC (ex. « 14.1.1 ») est attendue."))


def _list_of(value, kind, message):
    if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
        raise serializers.ValidationError(message)
    return value


class ClauseVersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    preview = serializers.SerializerMethodField()

    class Meta:
        model = ClauseVersion
        fields = ["number", *ClauseVersion.CONTENT_FIELDS, "author", "created_at", "preview"]

    @extend_schema_field(serializers.CharField())
    def get_preview(self, version):
        return version.preview


class ImportSerializer(serializers.Serializer):
    organization = OrganizationField()
    file = serializers.JSONField(help_text="A clausier-library/2 document (clausier-library/1 is read too)")


class ForkSerializer(serializers.Serializer):
    organization = OrganizationField()
    name = serializers.CharField(required=False, max_length=200)


class PullSerializer(serializers.Serializer):
    clauses = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=2000)


class UpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    local_version = serializers.IntegerField()
    based_on = serializers.IntegerField()
    upstream_version = serializers.IntegerField()
    upstream_clause = serializers.IntegerField()


class GuidanceSerializer(serializers.Serializer):
    topics = serializers.ListField(
        child=serializers.DictField(), max_length=200, help_text="[{key,title,description,recommended_clause}]"
    )
    sets = serializers.ListField(
        child=serializers.DictField(),
        max_length=200,
        help_text="[{key,title,description,software,level,clauses:[keys]}]",
    )
