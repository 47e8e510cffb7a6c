"""Every API error has one shape: {"error": {"code", "message", "fields": {field: [messages]}}}."""

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from salestrack.lib.errors import ServiceError


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "__all__" else key
            if isinstance(value, dict):  # nested serializer: flatten as "opportunity.amount"
                for sub, messages in _fields(value).items():
                    out[f"{name}.{sub}"] = messages
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {}


def _api_names(fields: dict[str, list[str]], view) -> dict[str, list[str]]:
    # Services name a foreign key as the model does ("stage"); the API calls it "stage_id".
    model = getattr(view, "model", None)
    if model is None:
        return fields
    out = {}
    for name, messages in fields.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        out[field.attname if field is not None and field.many_to_one else name] = messages
    return out


def error_response(code: str, message: str, http_status: int, fields=None, headers=None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc, context):
    view = context.get("view")
    if isinstance(exc, ServiceError):
        fields = _api_names(exc.fields, view)
        return error_response(exc.code, exc.message, exc.status, fields)
    if isinstance(exc, DjangoValidationError):
        fields = _fields(exc.message_dict) if hasattr(exc, "error_dict") else {}
        if not fields:
            fields = {"non_field_errors": exc.messages}
        return error_response("invalid", "The input is not valid.", 400, _api_names(fields, view))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return error_response("invalid", "The input is not valid.", 400, _fields(exc.detail))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return error_response(code, str(exc.detail), exc.status_code, headers=headers)
    return None


PRECONDITION_FAILED = status.HTTP_412_PRECONDITION_FAILED
