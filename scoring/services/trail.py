"""The audit trail of an evaluation: one AuditEvent per change, written inside the change's transaction."""

from decimal import Decimal

from django.db.models import F

from ..models import (
    AuditEvent,
    EvaluationState,
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


def audit(*, tender_id, user, action, obj, field="", old=None, new=None):
    """Record one change and raise the tender's `evaluation_version`. Called inside the transaction of
    the change it records (a refused write rolls both back)."""
    _evaluation_changed(tender_id)
    return AuditEvent.objects.create(
        tender_id=tender_id,
        user=user if user and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        field=field,
        old=_plain(old),
        new=_plain(new),
    )


def _evaluation_changed(tender_id):
    # Here because every write to the evaluation records itself here: one place, so no write can forget
    # to outdate the report and letters made before it. An UPDATE with F() under the row lock orders
    # concurrent writes; a document asked for before this commits keeps the older number, so it is stale.
    raise_version = {"evaluation_version": F("evaluation_version") + 1}
    if not EvaluationState.objects.filter(tender_id=tender_id).update(**raise_version):
        EvaluationState.objects.get_or_create(tender_id=tender_id)
        EvaluationState.objects.filter(tender_id=tender_id).update(**raise_version)
