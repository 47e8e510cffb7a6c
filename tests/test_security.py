from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


def test_passwords_are_hashed_with_argon2_in_production():
    # tests/conftest.py swaps in a fast hasher; the settings module itself says argon2.
    from salestrack import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = Argon2PasswordHasher()
    assert hasher.encode("secret", hasher.salt()).startswith("argon2$")


def test_secure_headers_are_on(client, db):
    response = client.get("/healthz")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_HTTPONLY


def test_sign_in_is_throttled_after_repeated_failures(org, client):
    from tests.conftest import PASSWORD

    for _ in range(4):
        response = client.post("/login/", {"username": "rob", "password": "wrong"})
        assert response.status_code == 200
    # The fifth failure already answers with the lockout (django-axes locks at its limit).
    fifth = client.post("/login/", {"username": "rob", "password": "wrong"})
    assert fifth.status_code == 429
    assert "Too many failed sign-ins" in fifth.content.decode()
    refused = client.post("/login/", {"username": "rob", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    other = client.post("/login/", {"username": "tess", "password": PASSWORD})
    assert other.status_code == 302


def test_deploy_checks_are_clean_with_production_settings():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "DEBUG": "0",
        "SECURE_SSL": "1",
        "SECRET_KEY": "x" * 60 + "production-like-secret-for-the-check",
        "ALLOWED_HOSTS": "crm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "salestrack", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
