"""Every text the evaluation stores is cleaned of the characters DOCX and XLSX cannot hold, at write time.

An evaluator's comment pasted from another tool can carry control characters; once scores are frozen
such a comment would break the report's DOCX/XLSX and the letters for good. A `pre_save` receiver on
every model of the app (connected in `ScoringConfig.ready`) strips them from every text field and from
the strings inside JSON fields, whichever service writes; the document builders strip them again from
what older rows still hold (scoring/report/builders.py).
"""

from django.db import models

from clause_library.text import strip_forbidden_characters, strip_forbidden_characters_deep


def clean_text_fields(sender, instance, **kwargs):
    for field in sender._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                setattr(instance, field.attname, strip_forbidden_characters(value))
        elif isinstance(field, models.JSONField):
            setattr(instance, field.attname, strip_forbidden_characters_deep(getattr(instance, field.attname)))
