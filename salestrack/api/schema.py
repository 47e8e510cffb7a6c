"""The OpenAPI schema: drf-spectacular's, with the errors every operation can answer.

Every error has one shape (api/errors.py); the schema says so for each status an operation
can give, so that a client generated from it, and the schemathesis suite, expect them.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='What went wrong, for programs: "invalid", "conflict".')
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field name; empty when the error is about no one field.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ALWAYS = {
    "400": "The input is not valid: see `error.fields`.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Not allowed: the record is read-only for you, or the operation is for admins.",
    "404": "No such record, or one you cannot see; a list for admins only, to anyone else.",
    "429": "Too many failed attempts from this address; retry after `Retry-After` seconds.",
}
ON_A_WRITE = {
    "409": "The record's state forbids the change (a converted lead, say).",
    "412": "The `If-Match` version is stale: someone changed the record meanwhile.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ALWAYS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors |= ON_A_WRITE
        for code, description in errors.items():
            if code not in responses:
                response = OpenApiResponse(ErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
