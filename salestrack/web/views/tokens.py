"""API tokens: each user's own (issue, list, revoke), and every token for admins."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.teams import services
from salestrack.teams.models import ApiToken
from salestrack.web import pages
from salestrack.web.forms.settings import TokenForm
from salestrack.web.views.settings import admin_required


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request):
    """The user's own tokens; a new one is shown on this page once, and never again."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
        try:
            issued = services.token_create(
                user=request.user,
                by=request.user,
                name=form.cleaned_data["name"],
                expires_at=expires_at,
            )
        except ValidationError as error:
            pages.add_errors(form, error)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    context = {"form": form, "issued": issued, "tokens": tokens, "now": timezone.now()}
    status = 400 if form.errors else 201 if issued else 200
    return render(request, "tokens/mine.html", context, status=status)


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one token: the user's own, or anyone's for an admin (who comes from settings)."""
    tokens = ApiToken.objects.select_related("user")
    if not request.user.is_admin:
        tokens = tokens.filter(user=request.user)
    token = tokens.filter(pk=pk).first()
    if token is None:
        raise Http404("No such token")
    services.token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” of {token.user.username} revoked.")
    mine = token.user_id == request.user.pk
    return redirect("tokens" if mine else "settings-tokens")


@admin_required
@require_GET
def all_tokens(request):
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    context = {"tokens": tokens, "now": timezone.now(), "tab": "tokens", "section": "settings"}
    return render(request, "settings/tokens.html", context)
