"""Errors the services raise; the API and the pages turn them into a clear message."""


class ServiceError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Conflict(ServiceError):
    """The record's state forbids the change (a converted lead, a second conversion)."""

    code = "conflict"
    status = 409


class Forbidden(ServiceError):
    """The user may not change this record (they may only read it, or not see it at all)."""

    code = "forbidden"
    status = 403


class StaleVersion(ServiceError):
    """The write was based on a version someone else has replaced meanwhile."""

    code = "stale_version"
    status = 412
