"""What other apps plug into tenders, without tenders importing them (docs/ARCHITECTURE.md).

Filled in the other apps' `AppConfig.ready()`:
- publish checks: `check(tender)` raises ApplicationError to refuse the publication (scoring checks
  that the criteria weights add up);
- criteria providers: `provider(tender, articles) -> [row]` adds the award criteria rows to the plain
  TenderDocument (docs/RENDERING.md); without one the document has no criteria;
- scoring method providers: `provider(tender, criteria) -> dict | None` gives the texts of the scoring
  method the RC prints (scale, conversion into points, price formula, tie-break: scoring/wording.py),
  written once by the app that applies them; the first provider that answers wins;
- publish panels: `panel(request, tender) -> {name: value}` merged into the publish page's context,
  and the panel's template included above the confirmation (scoring's market check).
"""

_publish_checks = []
_criteria_providers = []
_scoring_method_providers = []
_publish_panels = []  # [(panel, template)]


def register_publish_check(check):
    if check not in _publish_checks:
        _publish_checks.append(check)


def publish_checks():
    return list(_publish_checks)


def register_criteria_provider(provider):
    if provider not in _criteria_providers:
        _criteria_providers.append(provider)


def criteria_rows(tender, articles, lot=None):
    """Every provider's rows, in registration order (with `lot`, that lot's criteria: docs/LOTS.md)."""
    return [row for provider in _criteria_providers for row in provider(tender, articles, lot=lot)]


def register_scoring_method_provider(provider):
    if provider not in _scoring_method_providers:
        _scoring_method_providers.append(provider)


def scoring_method(tender, criteria):
    """The first registered provider's texts of the scoring method for `criteria` (the document's rows), or None."""
    for provider in _scoring_method_providers:
        method = provider(tender, criteria)
        if method:
            return method
    return None


def register_publish_panel(panel, template):
    if (panel, template) not in _publish_panels:
        _publish_panels.append((panel, template))


def publish_panels(request, tender) -> dict:
    """The panels' context, with `publish_panel_templates`: the templates the publish page includes."""
    context = {"publish_panel_templates": []}
    for panel, template in _publish_panels:
        context.update(panel(request, tender))
        context["publish_panel_templates"].append(template)
    return context
