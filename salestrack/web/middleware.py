"""Response headers that depend on who asked (docs/security.md#headers)."""

from django.utils.cache import add_never_cache_headers


def no_store_when_signed_in(get_response):
    """Answers to a signed-in user, on a page or through the API, are never stored.

    Otherwise the browser's back button after signing out, or the next person at a shared
    computer, could show them from the cache. API tokens count as signed in: DRF puts the user
    it authenticated on the request, which is read here after the view; any request with an
    Authorization header is covered too, in case the view never asked who it was. Static files
    never get here: WhiteNoise answers them earlier in MIDDLEWARE.
    """

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if "Authorization" in request.headers or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response

    return middleware
