"""Sign-in throttling, done by django-axes (settings AXES_*), and what axes needs from us.

Axes counts failures per person and client address: five lock that pair for 15 minutes, so
someone guessing from one place cannot lock the real user out everywhere. Here: the person a
typed identifier names (username or email: one counter), the client's address behind the
proxies we trust, a second limit per address across all usernames, and failed API tokens.
Every count is in the database, so all app servers and workers see the same ones.
"""

import datetime
import ipaddress
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_http_accept,
    get_client_path_info,
    get_client_user_agent,
    get_cool_off,
)
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from salestrack.teams.backends import signin_username

log = logging.getLogger(__name__)

# Failures from one client address, whichever usernames, before it is refused for the
# cool-off time (AXES_COOLOFF_TIME). Axes has one failure limit for all its lockout
# parameters, so this second, larger one is counted here, from axes' own records.
ADDRESS_FAILURE_LIMIT = 50

# Failed API tokens go to axes' failure log, under a name no user can have (Django usernames
# have no "<"). Axes writes sign-in failures there only with AXES_ENABLE_ACCESS_FAILURE_LOG,
# which stays off.
TOKEN_FAILURE = "<api token>"


def canonical_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name axes counts a sign-in under.

    A user's email address counts as their username, so that both identifiers share one
    counter (five guesses in all, not five each). Lowercased, so that "Rob" and "rob" share
    one too. An identifier nobody has is counted as typed.
    """
    typed = credentials.get("username") if credentials else request.POST.get("username")
    if typed is None:
        return None
    return signin_username(typed).strip().lower()


def client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address of the client that sent `request`.

    X-Forwarded-For is read only when the connection comes from a proxy in TRUSTED_PROXIES;
    from anyone else it is whatever they chose to write. Each proxy appends the address it got
    the request from, so the right-most address that is not one of our proxies is the client.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]
    if not _within(remote, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        if _within(hop, trusted):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            log.warning("X-Forwarded-For from proxy %s has %r, not an address", remote, hop)
            return remote
    return remote


def _within(address: str | None, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_failures(address: str | None, since: datetime.datetime) -> int:
    """Failed sign-ins from `address` counted by axes, for any username."""
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class SigninHandler(AxesDatabaseHandler):
    """Axes' database handler, which also refuses an address past ADDRESS_FAILURE_LIMIT."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes marks the request locked out at its own limit (AxesMiddleware then answers
        # with the lockout page); mark it at the address's limit too.
        if request is not None and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def _address_locked(self, request) -> bool:
        since = request.axes_attempt_time - get_cool_off(request)
        return address_failures(request.axes_ip_address, since) >= ADDRESS_FAILURE_LIMIT


def token_failed(request) -> int | None:
    """Count a bad API token from the request's client address.

    Returns None while the address is within ADDRESS_FAILURE_LIMIT, else the seconds until
    it is again. Past the limit nothing more is written: a flood of bad tokens costs one read
    each.
    """
    address = client_address(request)
    now = timezone.now()
    since = now - get_cool_off(request)
    failures = AccessFailureLog.objects.filter(username=TOKEN_FAILURE, ip_address=address)
    recent = list(
        failures.filter(attempt_time__gte=since)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)[:ADDRESS_FAILURE_LIMIT]
    )
    if len(recent) >= ADDRESS_FAILURE_LIMIT:
        # The address is let in again once the oldest of these leaves the window.
        return max(1, int((recent[-1] - since).total_seconds()) + 1)
    AccessFailureLog.objects.create(
        username=TOKEN_FAILURE,
        ip_address=address,
        user_agent=get_client_user_agent(request),
        http_accept=get_client_http_accept(request),
        path_info=get_client_path_info(request),
        locked_out=False,
    )
    AccessFailureLog.objects.filter(username=TOKEN_FAILURE, attempt_time__lt=since).delete()
    return None
