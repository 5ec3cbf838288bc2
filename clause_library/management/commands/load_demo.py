"""Demo organisations, users and the default library. Safe to run again (idempotent)."""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.library_file import validate_library_file
from clause_library.models import Library
from clause_library.services import library_import
from organizations.models import MemberOrganization, Membership, Organization

PASSWORD = "clausier-demo"
GROUP = ("Groupement Achats Démo", Organization.Kind.PURCHASING_GROUP)
CHU = ("CHU Démo", Organization.Kind.HOSPITAL)
NEIGHBOUR = ("CH Voisin", Organization.Kind.HOSPITAL)
USERS = [
    ("group-admin", GROUP, "admin"),
    ("curator", GROUP, "curator"),
    ("chu-admin", CHU, "admin"),
    ("buyer", CHU, "buyer"),
    ("eval1", CHU, "evaluator"),
    ("eval2", CHU, "evaluator"),
    ("neighbour", NEIGHBOUR, "admin"),
]


class Command(BaseCommand):
    help = "Create the demo organisations, users (password 'clausier-demo') and the shared default library."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Run even when DEBUG is off.")

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("load_demo creates known passwords: refused with DEBUG=False (use --allow-production).")
        organizations = {}
        for name, kind in (GROUP, CHU, NEIGHBOUR):
            organizations[name], _ = Organization.objects.get_or_create(name=name, defaults={"kind": kind})
        User = get_user_model()
        users = {}
        for username, (org_name, _kind), role in USERS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(PASSWORD)
                user.save()
            Membership.objects.update_or_create(
                user=user, organization=organizations[org_name], defaults={"role": role}
            )
            users[username] = user
        group = organizations[GROUP[0]]
        # Both hospitals are member hospitals of the group: what they see of its libraries can be shown.
        for name, _kind in (CHU, NEIGHBOUR):
            MemberOrganization.objects.get_or_create(
                group=group, member=organizations[name], defaults={"added_by": users["group-admin"]}
            )
        if not DEFAULT_LIBRARY_FR.exists():
            self.stdout.write("No default library file; skipping it.")
        else:
            data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
            if not Library.objects.filter(organization=group, name=data["name"]).exists():
                errors = validate_library_file(data)
                if errors:
                    raise CommandError("Default library file is invalid:\n" + "\n".join(errors[:20]))
                library = library_import(user=users["curator"], organization=group, data=data)
                library.visibility = Library.Visibility.SHARED
                library.save(update_fields=["visibility"])
                library.shared_with.set([organizations[CHU[0]], organizations[NEIGHBOUR[0]]])
                self.stdout.write(f"Loaded default library ({library.clauses.count()} clauses).")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready: users " + ", ".join(users) + f" / password '{PASSWORD}'.")
        )
