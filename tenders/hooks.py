"""What other apps plug into tenders, without tenders importing them (docs/ARCHITECTURE.md).

Filled in the other apps' `AppConfig.ready()`:
- publish checks: `check(tender)` raises ApplicationError to refuse the publication (scoring checks
  that the criteria weights add up);
- criteria providers: `provider(tender, articles) -> [row]` adds the award criteria rows to the plain
  TenderDocument (docs/RENDERING.md); without one the document has no criteria.
"""

_publish_checks = []
_criteria_providers = []


def register_publish_check(check):
    if check not in _publish_checks:
        _publish_checks.append(check)


def publish_checks():
    return list(_publish_checks)


def register_criteria_provider(provider):
    if provider not in _criteria_providers:
        _criteria_providers.append(provider)


def criteria_rows(tender, articles):
    """Every provider's rows, in registration order."""
    return [row for provider in _criteria_providers for row in provider(tender, articles)]
