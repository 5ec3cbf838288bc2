"""What higher apps plug into scoring's report and pages, without scoring importing them.

Filled in the other apps' `AppConfig.ready()` (conformance fills all four with its probe):
- report sections: `section(tender, bids) -> {key: plain data}` merged into the evaluation report's
  plain document (scoring/reports.py), inside the report's language; the writers show the keys
  they know (`probes`);
- bid panels: `panel(request, tender, bid) -> {name: value}` merged into the bid page's context, and
  the panel's template included at the end of the page (in registration order);
- bid actions: `action(request, bid)` run for a POST to the bid page whose `action` field names it;
  it raises ApplicationError to refuse;
- grid annotators: `annotate(tender, rows)` adds to each cell of the evaluator's grid.
"""

_report_sections = []
_bid_panels = []  # [(panel, template)]
_bid_actions = {}
_grid_annotators = []


def _add(registry, item):
    if item not in registry:
        registry.append(item)


def register_report_section(section):
    _add(_report_sections, section)


def register_bid_panel(panel, template):
    _add(_bid_panels, (panel, template))


def register_bid_action(name, action):
    _bid_actions[name] = action


def register_grid_annotator(annotate):
    _add(_grid_annotators, annotate)


def report_sections(tender, bids) -> dict:
    data = {}
    for section in _report_sections:
        data.update(section(tender, bids))
    return data


def bid_panels(request, tender, bid) -> dict:
    """The panels' context, with `panel_templates`: the templates the bid page includes."""
    context = {"panel_templates": []}
    for panel, template in _bid_panels:
        context.update(panel(request, tender, bid))
        context["panel_templates"].append(template)
    return context


def bid_action(name):
    """The registered action named `name`, or None."""
    return _bid_actions.get(name)


def annotate_grid(tender, rows):
    for annotate in _grid_annotators:
        annotate(tender, rows)
