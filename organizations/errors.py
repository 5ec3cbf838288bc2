class ApplicationError(Exception):
    """A rule of the domain refused a write. `errors` is DRF-shaped: {field: [message]}.

    Services raise it; the API turns it into a 400 (or `status`), the pages into form errors.
    """

    def __init__(self, errors, status=400):
        if isinstance(errors, str):
            errors = {"detail": [errors]}
        self.errors = errors
        self.status = status
        super().__init__(str(errors))


class ConflictError(ApplicationError):
    """The object changed state (published tender, stale version): HTTP 409."""

    def __init__(self, errors):
        super().__init__(errors, status=409)
