from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pages: page 10,000 costs what page 1 costs, and nothing counts all rows.

    The answer is {"results": [...], "next": url or null}.
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

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
