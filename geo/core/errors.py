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


class AuthenticationRequired(GeoError):
    """The request needs a signed-in user or a valid API token; `invalid_token` when the token given is unknown,
    reset or its account disabled."""

    def __init__(self, message: str, invalid_token: bool = False):
        super().__init__(message)
        self.invalid_token = invalid_token


class InvalidCredentials(AuthenticationRequired):
    """A name and password that do not match an active account."""


class Forbidden(GeoError):
    """The signed-in user may not do this (a role too low), or an unsafe request lacks its session's CSRF token."""


class ServerBusyError(GeoError):
    """Every work slot stayed taken for as long as a request may wait (api/core/admission.py); `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(GeoError):
    """Too many failed logins for a name or from a client lately; `retry_after` seconds until the next try."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailableError(ServerBusyError):
    """The database could not be reached or broke off (a restart, a failover): the request was not acknowledged."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message, retry_after)
