"""Normalisation used to match a lead to existing accounts and contacts."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# Free mail domains say nothing about the company a person works for.
FREE_MAIL = {
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mail.com",
    "gmx.com",
    "gmx.de",
    "proton.me",
    "protonmail.com",
    "yandex.com",
    "web.de",
    "msn.com",
}
LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "srl",
    "bv",
    "nv",
    "plc",
    "pty",
    "oy",
    "ab",
    "as",
    "the",
}


def domain_of_website(website: str) -> str:
    """'https://www.Initech.com/about' -> 'initech.com'; '' for what names no host."""
    website = (website or "").strip().lower()
    if not website:
        return ""
    if "//" not in website:
        website = "//" + website
    try:
        host = urlsplit(website).hostname or ""
    except ValueError:  # "http://[": an unclosed IPv6 bracket
        return ""
    return host.strip(".").removeprefix("www.")


def validate_website(website: str) -> None:
    """Refuse a website no domain can be read from: matching would never find it."""
    if (website or "").strip() and not domain_of_website(website):
        raise ValidationError("Enter a website such as example.com.")


def domain_of_email(email: str) -> str:
    _, _, domain = (email or "").strip().lower().rpartition("@")
    return "" if domain in FREE_MAIL else domain


def company_key(name: str) -> str:
    """'The ACME Corp., Inc.' -> 'acme'."""
    words = re.findall(r"[a-z0-9]+", (name or "").lower())
    return " ".join(w for w in words if w not in LEGAL_SUFFIXES)


def person_key(first: str, last: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", f"{first} {last}".lower()))
