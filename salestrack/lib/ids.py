"""Ids and versions as clients send them: text to be read before any query sees it."""

# The largest value a database integer column holds (SQLite's and PostgreSQL's bigint): a
# bigger one makes SQLite's driver raise OverflowError instead of finding nothing.
LARGEST = 2**63 - 1


def parse_id(value) -> int | None:
    """The positive whole number `value` says ("42" or 42), or None for anything else.

    str.isdigit() alone would let "²" through to int(), which refuses it.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= LARGEST else None
