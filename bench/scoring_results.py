"""Results of an evaluation of 50 bids × 100 criteria × 5 evaluators: median time and query count.

`run()` returns rows `(name, median seconds, queries)`; `python -m bench.scoring_results` prints them.
`bench/__main__.py` may call `run()` as well. It builds the data in a throwaway test database
(created and destroyed here: the development database is never touched). Goal: ≤ 0.3 s, and a
query count that does not depend on the data size (it is printed for two sizes).
"""

import argparse
import os
import random
import statistics
import time


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _criteria(tender, criteria, rnd):
    """(price, eliminatory criteria, scored leaves): 1 price at 40, 3 eliminatory, parents at 60 with their leaves."""
    from scoring import rules
    from scoring.models import Criterion

    price = Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40, position=0)
    eliminatory = [
        Criterion.objects.create(tender=tender, name=f"E{i}", kind="eliminatory", position=100 + i) for i in range(3)
    ]
    remaining = criteria - 1 - len(eliminatory)
    parents_count = max(1, round(remaining**0.5) - 1)
    leaves_count = remaining - parents_count
    top = rules.normalise_weights([rnd.randint(1, 10) for _ in range(parents_count)])
    parents = [
        Criterion.objects.create(tender=tender, name=f"P{i}", kind="scored", weight=w * 60 / 100, position=i + 1)
        for i, w in enumerate(top)
    ]
    # Fix the top level to sum to exactly 100 with the price.
    rounded = [p.weight.quantize(rules.WEIGHT_QUANTUM) for p in parents]
    rounded[0] += 60 - sum(rounded)
    for parent, weight in zip(parents, rounded, strict=True):
        parent.weight = weight
    Criterion.objects.bulk_update(parents, ["weight"])
    leaves = []
    for index, parent in enumerate(parents):
        count = leaves_count // parents_count + (1 if index < leaves_count % parents_count else 0)
        for position, weight in enumerate(rules.normalise_weights([rnd.randint(1, 10) for _ in range(count)])):
            leaves.append(
                Criterion(
                    tender=tender,
                    parent=parent,
                    name=f"L{index}.{position}",
                    kind="scored",
                    weight=weight,
                    scale_max=5,
                    position=position,
                )
            )
    leaves = Criterion.objects.bulk_create(leaves)
    return price, eliminatory, leaves


def build(bids=50, criteria=100, evaluators=5, seed=7):
    """A published tender with `criteria` criteria (1 price, 3 eliminatory, parents with leaves), scored by everyone."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from organizations.models import Membership, Organization
    from scoring.models import Answer, Bid, Consensus, Criterion, Evaluator, Score
    from tenders.models import Tender

    rnd = random.Random(seed)
    organization = Organization.objects.create(name=f"Bench {bids}×{criteria}×{evaluators} {time.time_ns()}")
    User = get_user_model()
    lead = User.objects.create(username=f"lead-{organization.pk}")
    Membership.objects.create(user=lead, organization=organization, role="buyer")
    tender = Tender.objects.create(organization=organization, reference="BENCH", title="Bench", status="published")
    price, eliminatory, leaves = _criteria(tender, criteria, rnd)
    users = User.objects.bulk_create([User(username=f"e{organization.pk}-{i}") for i in range(evaluators)])
    Evaluator.objects.bulk_create([Evaluator(tender=tender, user=u, declared_at=timezone.now()) for u in users])
    bid_rows = Bid.objects.bulk_create(
        [Bid(tender=tender, vendor=f"Candidat {i}", price=rnd.randint(50_000, 500_000)) for i in range(bids)]
    )
    Score.objects.bulk_create(
        [
            Score(bid=bid, criterion=leaf, evaluator=user, value=rnd.randint(0, 5))
            for bid in bid_rows
            for leaf in leaves
            for user in users
        ],
        batch_size=5000,
    )
    Consensus.objects.bulk_create(
        [
            Consensus(bid=bid, criterion=leaf, value=rnd.randint(0, 5), justification="bench", set_by=lead)
            for bid in bid_rows
            for leaf in rnd.sample(leaves, min(5, len(leaves)))
        ]
    )
    Answer.objects.bulk_create(
        [
            Answer(bid=bid, criterion=criterion, compliant=rnd.random() > 0.05)
            for bid in bid_rows
            for criterion in eliminatory
        ]
    )
    assert Criterion.objects.filter(tender=tender).count() == criteria, "criteria count"
    return tender, lead, price


def measure(tender, lead, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from scoring import rules, selectors

    def compute():
        return rules.results_as_dict(selectors.tender_results(tender), tender.price_formula)

    client = APIClient()
    client.force_authenticate(lead)

    def endpoint():
        lead.__dict__.pop("_clausier_roles", None)  # no roles cached between requests, as in real life
        response = client.get(f"/api/v1/tenders/{tender.pk}/results/")
        assert response.status_code == 200, response.content[:300]
        return response

    rows = []
    for name, function in (("results (selectors + rules)", compute), ("GET /results/ (API, JSON)", endpoint)):
        function()  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as queries:
            function()
        rows.append((name, statistics.median(times), len(queries)))
    return rows


def run(runs=5, bids=50, criteria=100, evaluators=5):
    """[(name, median seconds, queries)] for the full size and, to show the query count is flat, a small one."""
    setup_django()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = []
        tender, lead, _price = build(bids, criteria, evaluators)
        for name, seconds, queries in measure(tender, lead, runs):
            rows.append((f"{name} — {bids} bids × {criteria} criteria × {evaluators} evaluators", seconds, queries))
        tender, lead, _price = build(5, 20, 2, seed=11)
        for name, seconds, queries in measure(tender, lead, runs):
            rows.append((f"{name} — 5 bids × 20 criteria × 2 evaluators", seconds, queries))
        return rows
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.scoring_results", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    for name, seconds, queries in run(runs=args.runs):
        print(f"{name:<95} {seconds * 1000:8.1f} ms  {queries:3d} queries")


if __name__ == "__main__":
    main()
