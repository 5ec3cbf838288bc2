"""Celery jobs of the organisations app: invitation e-mails, sent by the worker and retried with backoff."""

from celery import shared_task

from . import services

MAX_RETRIES = 5
# 30 s, 1 min, 2 min, 4 min, 8 min: a mail server down for a quarter of an hour is waited out. Every
# countdown stays far below the Redis visibility timeout (1 h), or the message would be redelivered.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 600


def retry_countdown(retries):
    return min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)


@shared_task(name="organizations.tasks.invitation_send", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def invitation_send(self, invitation_id, generation):
    """E-mail invitation `invitation_id` (its send `generation`); the row records sent / retrying / failed.
    Safe to run twice: an invitation re-sent, revoked or accepted since is skipped."""
    last_attempt = self.request.retries >= self.max_retries
    outcome = services.invitation_deliver(invitation_id=invitation_id, generation=generation, last_attempt=last_attempt)
    if outcome in ("retry", "missing"):
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return outcome
