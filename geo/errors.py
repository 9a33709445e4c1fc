"""Errors raised by geo/; they know nothing of HTTP (server.py maps them to status codes)."""


class GeoError(Exception):
    """Base class of every error geo/ raises on purpose."""


class CRSMismatchError(GeoError):
    """A frame arrived in a CRS other than the one the function requires."""


class InvalidGeometryError(GeoError):
    """A geometry is empty, invalid, or has coordinates out of range."""


class SourceError(GeoError):
    """A source file or dataset reference cannot be read or resolved."""


class ReconciliationError(GeoError):
    """A measured value misses its plan figure by more than the tolerance."""


class NotFoundError(GeoError):
    """A collection, feature or other named resource does not exist."""


class InvalidParameterError(GeoError):
    """A request parameter is malformed; `parameter` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class TooLargeError(InvalidGeometryError):
    """An input over the size limit (bytes or vertices)."""


class DataNotBuiltError(GeoError):
    """The app was started before the data build (`make data`) wrote its GeoPackage."""


class ConflictError(GeoError):
    """The request conflicts with what exists (an id already taken)."""


class PreconditionFailedError(GeoError):
    """An If-Match that no longer matches: the resource changed since the client read it."""


class PreconditionRequiredError(GeoError):
    """A write to a resource that must name the version it changes (If-Match) did not."""


class NotEditableError(GeoError):
    """A write to a collection that is not editable (405)."""
