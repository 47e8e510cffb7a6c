"""The API's one request parser: JSON, with a clear 400 for every body it cannot read."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSON, where a body nested deeper than Python's decoder can follow is a 400.

    DRF turns a ValueError into a ParseError but not the RecursionError that a body of
    thousands of nested brackets raises, which would answer 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
