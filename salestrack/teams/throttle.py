"""Sign-in throttling: after too many failures for a username, refuse for a while.

Kept in the database (not a per-process cache) so that every app server sees the same count.
"""

import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from salestrack.teams.models import LoginFailure

LIMIT = 5
WINDOW = datetime.timedelta(minutes=15)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        since = timezone.now() - WINDOW
        if LoginFailure.objects.filter(username=username, at__gte=since).count() >= LIMIT:
            raise forms.ValidationError(
                "Too many failed sign-ins for this user. Wait 15 minutes and try again.",
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            ip = self.request.META.get("REMOTE_ADDR") if self.request else None
            LoginFailure.objects.create(username=username, ip=ip)
            LoginFailure.objects.filter(at__lt=since).delete()
            raise
