"""Property tests of what matching and search depend on: no input of any shape raises, and
what comes out is what the matching rules read (PRODUCT.md section 2)."""

import re

from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salestrack.lib.ids import LARGEST, parse_id
from salestrack.lib.text import (
    company_key,
    domain_of_email,
    domain_of_website,
    person_key,
    validate_website,
)
from salestrack.search.index import MAX_WORDS, words

# Bounded by examples, not by time: the same cases on every run and machine.
BOUNDED = settings(max_examples=300, derandomize=True, deadline=None)
URLISH = st.text(alphabet="htps:/[]@.%?#wW-xyzé0123456789 \t\x00", max_size=40)
ANY_TEXT = st.one_of(st.text(max_size=80), URLISH)


@BOUNDED
@given(ANY_TEXT)
@example("http://[")
@example("https://[::1")
@example("//")
@example("http://www.")
def test_a_website_domain_is_lowercase_without_www_and_never_raises(website):
    domain = domain_of_website(website)
    assert domain == domain.lower()
    assert not domain.startswith("www.") and not domain.startswith(".")
    assert not domain.endswith(".")
    try:
        validate_website(website)
    except ValidationError:
        assert website.strip() and not domain  # refused only when no domain can be read


@BOUNDED
@given(st.from_regex(r"[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True))
def test_every_way_of_writing_a_website_gives_one_domain(host):
    for written in (host, f"www.{host}", f"https://{host}/about", f"HTTP://WWW.{host.upper()}/"):
        assert domain_of_website(written) == host


@BOUNDED
@given(ANY_TEXT)
@example("a@gmail.com")
@example("@@")
def test_an_email_domain_never_raises_and_free_mail_says_nothing(email):
    domain = domain_of_email(email)
    assert "@" not in domain and domain == domain.lower()
    assert domain not in ("gmail.com", "yahoo.com")


@BOUNDED
@given(st.text(max_size=80), st.text(max_size=80))
def test_keys_are_lowercase_words_of_letters_and_digits(first, last):
    for key in (company_key(first), person_key(first, last)):
        assert key == key.strip() and "  " not in key
        assert re.fullmatch(r"[a-z0-9 ]*", key)


@BOUNDED
@given(st.text(max_size=40))
def test_a_company_key_ignores_legal_suffixes(name):
    assert company_key(f"The {name} Inc.") == company_key(name)


@BOUNDED
@given(st.text(max_size=200))
def test_search_words_are_few_distinct_and_free_of_control_characters(q):
    found = words(q)
    assert len(found) <= MAX_WORDS
    assert len({w.casefold() for w in found}) == len(found)
    assert not any(re.search(r"[\x00-\x1f\x7f]", w) for w in found)


@BOUNDED
@given(st.one_of(st.integers(), st.text(max_size=30), st.booleans(), st.none(), st.floats()))
@example("²")
@example(str(2**63))
@example(" 7 ")
def test_an_id_is_a_whole_number_a_database_holds(value):
    parsed = parse_id(value)
    assert parsed is None or 1 <= parsed <= LARGEST
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LARGEST:
        assert parsed == value
