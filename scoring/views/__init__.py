"""Pages of the evaluation, one module per part: overview (list, home, evaluators, declaration, state),
criteria, bids (list, one bid), the requirements × bids matrix, scores (grid, consensus), results (ranking, low offers, reports) and
simulation.

Thin like the API: check who may (scoring/access.py, a refusal is Django's PermissionDenied shown by the
403 page), validate with Django forms (scoring/forms.py: garbage is a form error on a 200 page), read
through selectors, write through services. No ORM and no transaction here. Each page runs a fixed
number of queries whatever the number of bids or criteria.
"""

from .award import award_action
from .bids import bid_detail, bids
from .criteria import criteria_editor
from .matrix import requirement_matrix
from .overview import (
    declaration,
    evaluation_home,
    evaluation_list,
    evaluator_add,
    evaluator_remove,
    reopen,
    state_change,
)
from .results import low_offer_action, report_request, results_page
from .scores import consensus, grid
from .simulation import simulation_page

__all__ = [
    "award_action",
    "bid_detail",
    "bids",
    "consensus",
    "criteria_editor",
    "declaration",
    "evaluation_home",
    "evaluation_list",
    "evaluator_add",
    "evaluator_remove",
    "grid",
    "low_offer_action",
    "reopen",
    "requirement_matrix",
    "report_request",
    "results_page",
    "simulation_page",
    "state_change",
]
