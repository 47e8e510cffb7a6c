from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from salestrack.lib import keyset
from salestrack.lib.ids import parse_id


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pages: page 10,000 costs what page 1 costs, and nothing counts all rows.

    The cursor is the (sort value, id) of the last row sent, as on the pages (lib/keyset.py).
    DRF's own cursor keeps only the sort value and skips rows that share it with OFFSET, which
    grows with every page of `?ordering=status` and stops moving past 1,000 equal values.
    The answer is {"results": [...], "next": url or null}.
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF falls back to the default for `page_size=false`; a client should hear it is wrong.
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        size = parse_id(value)
        if size is None or size > self.max_page_size:
            message = f"A whole number from 1 to {self.max_page_size}."
            raise DRFValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        order = self.get_ordering(request, queryset, view)[0]  # the tie on id is added by keyset
        after = request.query_params.get(self.cursor_query_param, "")
        if after:
            self.check_cursor(after, queryset.model, order.lstrip("-"))
        self.base_url = request.build_absolute_uri()
        self.page = keyset.paginate(
            queryset, order=order, size=self.get_page_size(request), after=after
        )
        return self.page.rows

    def check_cursor(self, cursor: str, model, field_name: str) -> None:
        """A cursor comes back from the client: a forged one answers 404, not a failed query."""
        position = keyset.decode(cursor)
        try:
            if position is None or position[0] is None:
                raise ValueError("no position")
            field, pk_field = model._meta.get_field(field_name), model._meta.pk
            field.run_validators(field.to_python(position[0]))
            pk_field.run_validators(pk_field.to_python(position[1]))
        except (ValueError, TypeError, ValidationError):
            raise NotFound(self.invalid_cursor_message) from None

    def get_next_link(self):
        if self.page.next is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, self.page.next)

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
