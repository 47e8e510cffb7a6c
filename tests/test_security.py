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
