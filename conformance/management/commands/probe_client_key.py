"""Show or rotate an organisation's SMART client signing key: `probe_client_key show|rotate ORG_ID [--alg RS384]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from conformance import identity
from organizations.models import Organization


class Command(BaseCommand):
    help = "Show the JWKS of an organisation, or rotate its SMART client signing key."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["show", "rotate"])
        parser.add_argument("organization", type=int)
        parser.add_argument("--alg", choices=identity.ALGORITHMS, default="ES384")

    def handle(self, action, organization, alg, **options):
        try:
            org = Organization.objects.get(pk=organization)
        except Organization.DoesNotExist as error:
            raise CommandError(f"no organisation {organization}") from error
        if action == "rotate":
            key = identity.rotate_key(org, alg)
            self.stdout.write(f"new key {key.kid} ({key.algorithm})")
        self.stdout.write(json.dumps(identity.jwks(org), indent=2))
