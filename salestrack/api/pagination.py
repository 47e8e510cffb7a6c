import base64
import json

from django.core.exceptions import ValidationError
from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pages: page 10,000 costs what page 1 costs, and nothing counts all rows.

    The cursor is the (sort value, id) of the last row sent. DRF's own cursor keeps only the
    sort value and skips rows that share it with OFFSET, which grows with every page of
    `?ordering=status` and stops moving past 1,000 equal values.
    The answer is {"results": [...], "next": url or null}.
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        order = self.get_ordering(request, queryset, view)[0]  # the tie on id is added here
        self.field = order.lstrip("-")
        sign, op = ("-", "lt") if order.startswith("-") else ("", "gt")
        after = self.decode_position(request, queryset.model)
        if after is not None:
            value, pk = after
            queryset = queryset.filter(
                Q(**{f"{self.field}__{op}": value}) | Q(**{self.field: value, f"pk__{op}": pk})
            )
        rows = list(queryset.order_by(f"{sign}{self.field}", f"{sign}pk")[: self.page_size + 1])
        self.page, self.has_next = rows[: self.page_size], len(rows) > self.page_size
        return self.page

    def decode_position(self, request, model):
        # The cursor comes back from the client: a forged one answers 404, not a failed query.
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            value, pk = json.loads(base64.urlsafe_b64decode(encoded.encode()))
            field, pk_field = model._meta.get_field(self.field), model._meta.pk
            value, pk = field.to_python(value), pk_field.to_python(pk)
            if value is None or pk is None:
                raise ValueError("no position")
            field.run_validators(value)
            pk_field.run_validators(pk)
        except (ValueError, TypeError, ValidationError):
            raise NotFound(self.invalid_cursor_message) from None
        return value, pk

    def get_next_link(self):
        if not self.has_next:
            return None
        last = self.page[-1]
        # Record lists page over .values() rows (api/fastlist.py), the directory over instances.
        if isinstance(last, dict):
            value, pk = last[self.field], last["id"]
        else:
            value, pk = getattr(last, self.field), last.pk
        raw = json.dumps([str(value), pk]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
