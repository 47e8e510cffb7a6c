from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying why it refused, with status 429.

    The person can still sign in from another network (teams/throttle.py), so the page says so
    instead of pretending the password was wrong.
    """
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "lockout_message": settings.AXES_COOLOFF_MESSAGE,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
