from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def home(request):
    return render(request, "web/home.html", {"section": "home"})


from salestrack.web.todo import todo as search  # noqa: E402, F401


@require_GET
def healthz(request):
    """For load balancers: answers 200 only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
