from django.core.management.base import BaseCommand

from tenders.services import documents_requeue


class Command(BaseCommand):
    help = "Queue again the documents still waiting (for instance requested while the broker was down)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="seconds since the request (default 60)")

    def handle(self, *args, older_than, **options):
        sent = documents_requeue(older_than_seconds=older_than)
        self.stdout.write(f"{sent} document(s) queued again.")
