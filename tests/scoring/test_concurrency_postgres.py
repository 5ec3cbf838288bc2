"""Concurrent evaluators on PostgreSQL (select_for_update is a no-op on SQLite, so these need the real thing).

Run with DATABASE_URL=postgres://…; skipped otherwise.
"""

import threading
import time

from django.db import transaction

from scoring import services
from scoring.models import AuditEvent, Evaluator, Score

from ..concurrency import POSTGRES_ONLY, api_call, run_together
from ..factories import member

pytestmark = POSTGRES_ONLY


def put_score(user, bid, criterion, body):
    return api_call(user, "put", f"/api/v1/bids/{bid.pk}/scores/{criterion.pk}/", body)


def test_it_answers_409_to_exactly_one_of_two_writers_with_the_same_version(evaluation):
    criterion = evaluation.criteria.api
    Score.objects.create(bid=evaluation.alpha, criterion=criterion, evaluator=evaluation.eval1, value=2, version=1)
    statuses = run_together(
        [
            put_score(evaluation.eval1, evaluation.alpha, criterion, {"value": 3, "comment": "onglet 1", "version": 1}),
            put_score(evaluation.eval1, evaluation.alpha, criterion, {"value": 4, "comment": "onglet 2", "version": 1}),
        ]
    )
    assert sorted(statuses) == [200, 409]
    score = Score.objects.get(bid=evaluation.alpha, criterion=criterion, evaluator=evaluation.eval1)
    winner = "onglet 1" if statuses[0] == 200 else "onglet 2"
    # No lost update: the stored score is the winner's, at version 2, and the trail has exactly that change.
    assert (score.comment, score.version) == (winner, 2)
    events = list(AuditEvent.objects.filter(action="score.set"))
    assert len(events) == 1 and events[0].new["comment"] == winner and events[0].old["value"] == 2.0


def test_it_answers_409_to_one_of_two_first_writers_of_a_cell(evaluation):
    criterion = evaluation.criteria.export
    statuses = run_together(
        [
            put_score(evaluation.eval1, evaluation.alpha, criterion, {"value": 3, "version": 0}),
            put_score(evaluation.eval1, evaluation.alpha, criterion, {"value": 4, "version": 0}),
        ]
    )
    assert sorted(statuses) == [200, 409]
    assert Score.objects.filter(bid=evaluation.alpha, criterion=criterion).count() == 1


def test_it_stores_all_of_twenty_scores_written_at_once(evaluation, hospital):
    users = [evaluation.eval1, evaluation.eval2]
    for n in range(3):
        user = member(hospital, "evaluator", username=f"extra{n}")
        Evaluator.objects.create(tender=evaluation.tender, user=user, declared_at=evaluation.alpha.submitted_at)
        users.append(user)
    cells = [
        (user, bid, criterion)
        for user in users
        for bid, criterion in (
            (evaluation.alpha, evaluation.criteria.api),
            (evaluation.bravo, evaluation.criteria.api),
            (evaluation.alpha, evaluation.criteria.export),
            (evaluation.charlie, evaluation.criteria.doc),
        )
    ]
    assert len(cells) == 20
    statuses = run_together([put_score(user, bid, criterion, {"value": 1}) for user, bid, criterion in cells])
    assert statuses == [200] * 20
    assert Score.objects.count() == 20
    assert AuditEvent.objects.filter(action="score.set").count() == 20


def test_a_score_sent_while_technical_scoring_closes_waits_and_is_refused(evaluation, scoring_settled):
    """score_set takes the evaluation state's row lock, the one tender_close_technical takes: a score that
    arrives while the close is being committed waits for it, then sees the close (409), never slips in."""
    closing = threading.Event()

    def close():
        with transaction.atomic():
            services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
            closing.set()
            time.sleep(1)  # the close is not committed yet: the state row stays locked
        return "closed"

    def score():
        closing.wait(10)
        return put_score(evaluation.eval1, evaluation.alpha, evaluation.criteria.api, {"value": 3})()

    assert run_together([close, score]) == ["closed", 409]
    assert not Score.objects.exists()
