import datetime

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from salestrack.teams.models import ApiToken, User
from salestrack.teams.throttle import token_failed

# Write a token's last use at most once an hour: a token used for every request must not cost
# a write each.
USE_RECORDED_EVERY = datetime.timedelta(hours=1)

# A token's user in one statement, written out: building this lookup with the ORM cost a tenth
# of a 50-row list's CPU (docs/benchmarks.md). The token's id and whether
# its last use is due to be written come as extra attributes of the user: the ORM converts only
# the model's own columns, and the databases agree on an integer and a truth value.
TOKEN_USER = (
    f"SELECT u.*, t.id AS token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) AS token_due "
    f"FROM {User._meta.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id "
    f"WHERE t.digest = %s AND (t.expires_at IS NULL OR t.expires_at > %s)"
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer st_...`; tokens are looked up by their SHA-256."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        raw = header[1].decode(errors="replace")
        now = timezone.now()
        due = connection.ops.adapt_datetimefield_value(now - USE_RECORDED_EVERY)
        moment = connection.ops.adapt_datetimefield_value(now)
        found = list(User.objects.raw(TOKEN_USER, [due, ApiToken.hash(raw), moment]))
        if not found or not found[0].is_active:
            # Counted per client address only on failure: a good token costs no extra query.
            # Tokens are 256 random bits, so the limit is against floods, not guessing.
            wait = token_failed(request)
            if wait is not None:
                raise exceptions.Throttled(
                    wait, "Too many bad tokens from this address; try again later."
                )
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        user = found[0]
        if user.token_due:
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
        # request.auth: the token as read, its other fields deferred.
        return user, ApiToken.from_db(None, ["id", "user_id"], (user.token_id, user.pk))

    def authenticate_header(self, request):
        return "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
