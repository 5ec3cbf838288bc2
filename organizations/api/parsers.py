import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser as BaseJSONParser

from ..jsondepth import text_too_deep, too_deep_message


class JSONParser(BaseJSONParser):
    """DRF's JSON parser, with JSON nested past MAX_DEPTH levels refused as a 400 naming the field (F12),
    measured on the text before Python's parser recurses into it."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON invalide : encodage incorrect.")) from exc
        key = text_too_deep(text)
        if key is not None:
            raise ValidationError({key or "non_field_errors": [too_deep_message()]})
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(too_deep_message()) from exc
