"""Response headers: the Content-Security-Policy everywhere, no-store for anyone signed in."""

import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from salestrack.accounts.services import account_create
from salestrack.leads.services import lead_create
from tests.conftest import client_for, signed_in

PACKAGE = Path(__file__).resolve().parents[1] / "salestrack"
# What the policy refuses in markup: a script without src, a <style> element, a style
# attribute, an inline event handler, a javascript: URL, and htmx's hx-on (run with eval).
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"""\sstyle=["']""", re.I),
    "event handler": re.compile(r"""\son[a-z]+=["']""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on": re.compile(r"\b(data-)?hx-on\b", re.I),
}


def inline_markup(html: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(html)]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def page_urls(org) -> list[str]:
    account = account_create(by=org.rep, name="Globex Corporation", website="https://globex.com")
    lead = lead_create(by=org.rep, first_name="Hank", last_name="Scorpio", company="Globex")
    return [
        "/",
        "/leads/",
        f"/leads/{lead.pk}/",
        f"/leads/{lead.pk}/convert/",
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/contacts/",
        "/opportunities/",
        "/board/",
        "/tasks/",
        "/search/?q=globex",
        "/password/",
    ]


TEMPLATES = sorted((PACKAGE / "templates").rglob("*.html"))


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: str(path.relative_to(PACKAGE / "templates"))
)
def test_no_template_has_inline_script_or_style(template):
    assert inline_markup(template.read_text()) == []


def test_templatetags_build_no_inline_script_or_style():
    for module in (PACKAGE / "web" / "templatetags").glob("*.py"):
        assert inline_markup(module.read_text()) == [], module.name


def test_the_scan_finds_what_the_policy_refuses():
    refused = [
        "<script>alert(1)</script>",
        "<style>p {}</style>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<a href="javascript:history.back()">',
        '<form hx-on::after-request="this.reset()">',
    ]
    assert [len(inline_markup(html)) for html in refused] == [1] * len(refused)
    assert inline_markup('<script src="/static/js/salestrack.js"></script><p class="x">') == []


def test_pages_have_a_policy_without_unsafe_sources(org):
    client = signed_in(org.rep)
    for url in page_urls(org):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "unsafe" not in response["Content-Security-Policy"]
        # What views and tags render, not only what templates say.
        assert inline_markup(response.content.decode()) == [], url


def test_settings_pages_and_sign_in_have_the_policy(org, client):
    assert "unsafe" not in client.get("/login/")["Content-Security-Policy"]
    admin = signed_in(org.admin)
    for url in ["/settings/users/", "/settings/teams/", "/settings/pipelines/"]:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert policy(response)["script-src"] == ["'self'"]
        assert inline_markup(response.content.decode()) == [], url


def test_api_docs_page_runs_from_static_files(org, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]
    html = response.content.decode()
    assert inline_markup(html) == []
    assert "js/api-docs.js" in html
    assert 'data-schema-url="/api/v1/schema"' in html


def test_signed_in_pages_are_not_stored(org):
    client = signed_in(org.rep)
    for url in page_urls(org):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
    not_found = client.get("/leads/999999/")
    assert not_found.status_code == 404
    assert "no-store" in not_found["Cache-Control"]


def test_api_answers_are_not_stored(org):
    by_token = client_for(org.rep).get("/api/v1/leads")
    assert by_token.status_code == 200
    assert "no-store" in by_token["Cache-Control"]

    by_session = APIClient()
    by_session.force_login(org.rep)
    response = by_session.get("/api/v1/leads")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]

    refused = client_for(org.rep)
    refused.credentials(HTTP_AUTHORIZATION="Bearer st_not-a-token")
    assert "no-store" in refused.get("/api/v1/leads")["Cache-Control"]


def test_sign_in_page_and_static_files_may_be_cached(org, client):
    # Django's sign-in view says never_cache itself; another anonymous answer says nothing.
    assert "no-store" not in client.get("/healthz").get("Cache-Control", "")
    # Static files are the same for everyone: even a signed-in user's may be kept.
    response = signed_in(org.rep).get("/static/css/salestrack.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response
    response.close()
