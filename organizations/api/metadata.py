from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    """OPTIONS answers name, description, renders and parses, without DRF's per-method form description.

    DRF's default builds that description by calling each view's `get_object()` for PUT and POST,
    which fails (500) on views that look their objects up themselves, and runs object lookups and
    permission checks that the views' own tenancy rules already own.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
