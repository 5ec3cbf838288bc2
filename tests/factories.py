import factory
from django.contrib.auth import get_user_model

from clause_library.models import Clause, Library
from clause_library.services import clause_create
from organizations.models import Membership, Organization

PASSWORD = "s3cret-pass-for-tests"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organization.Kind.HOSPITAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(organization, role, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Bibliothèque {n}")


def clause_content(**overrides):
    content = {
        "title": "Accès à l'API FHIR",
        "category": "api_access",
        "language": "fr",
        "body": "Le titulaire ouvre l'API FHIR {{ fhir_version }} sous {{ delai_jours }} jours.",
        "parameters": [
            {
                "name": "fhir_version",
                "label": "Version FHIR",
                "type": "choice",
                "default": "4.0.1",
                "required": True,
                "choices": ["4.0.1", "5.0.0"],
            },
            {
                "name": "delai_jours",
                "label": "Délai (jours)",
                "type": "integer",
                "default": 30,
                "required": True,
                "min": 1,
                "max": 365,
            },
        ],
        "requirement": "scored",
        "question": "Donnez l'URL de la documentation.",
        "default_weight": 10,
        "scale_max": 5,
        "rubric": [{"score": s, "description": f"Niveau {s}"} for s in range(6)],
        "references": [{"label": "FHIR R4", "url": "https://hl7.org/fhir/R4/"}],
        "tags": ["software:any"],
        "checks": [],
    }
    content.update(overrides)
    return content


def make_clause(library, key="api-fhir", user=None, **overrides) -> Clause:
    return clause_create(user=user, library=library, key=key, content=clause_content(**overrides))
