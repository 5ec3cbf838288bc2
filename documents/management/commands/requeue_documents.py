from django.core.management.base import BaseCommand

from documents.tasks import documents_requeue


class Command(BaseCommand):
    help = (
        "Queue again the documents still waiting (for instance requested while the broker was down) "
        "and those left running by a dead worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="seconds since the request (default 60)")
        parser.add_argument(
            "--running-longer-than",
            type=int,
            default=None,
            help="also documents running for this many seconds (default: the hard time limit + 60 s)",
        )

    def handle(self, *args, older_than, running_longer_than, **options):
        sent = documents_requeue(older_than_seconds=older_than, running_longer_than_seconds=running_longer_than)
        self.stdout.write(f"{sent} document(s) queued again.")
