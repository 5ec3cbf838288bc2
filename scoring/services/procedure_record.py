"""The procedure record (scoring.models.ProcedureRecord): what the report and the letters need beyond the
evaluation, written by the lead (the caller checked: scoring/access.py require_lead)."""

from django.db import transaction

from ..models import ProcedureRecord
from .trail import audit


def _audited(value):
    return str(value) if value is not None and not isinstance(value, (list, dict, bool)) else value


def procedure_record_update(*, user, tender, data: dict) -> ProcedureRecord:
    """Write the validated fields of the tender's procedure record (created on first write), audited."""
    with transaction.atomic():
        record, _created = ProcedureRecord.objects.select_for_update().get_or_create(tender=tender)
        for field, value in data.items():
            old = getattr(record, field)
            if old != value:
                audit(
                    tender_id=tender.pk,
                    user=user,
                    action="procedure_record_update",
                    obj=record,
                    field=field,
                    old=_audited(old),
                    new=_audited(value),
                )
            setattr(record, field, value)
        record.updated_by = user
        record.save()
    return record
