# TEMPORARY while the pages are being built in parallel; must not be committed.
from django.http import Http404


def todo(request, *args, **kwargs):
    raise Http404("not built yet")
