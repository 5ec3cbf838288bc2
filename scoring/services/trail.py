"""The audit trail of an evaluation: one AuditEvent per change, written inside the change's transaction."""

from decimal import Decimal

from organizations.jsondepth import value_too_deep

from ..models import (
    AuditEvent,
)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _bounded(value):
    """The value as stored: services refuse deeper input, and the trail never recurses into it (F12)."""
    if value_too_deep(value):
        return {"omitted": "nested too deeply"}
    return _plain(value)


def audit(*, tender_id, user, action, obj, field="", old=None, new=None):
    """Record one change. Called inside the transaction of the change it records (a refused write rolls
    both back). Its id is the evaluation's version (selectors.evaluation_version): the report and letters
    made before it are stale."""
    return AuditEvent.objects.create(
        tender_id=tender_id,
        user=user if user and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        field=field,
        old=_bounded(old),
        new=_bounded(new),
    )
