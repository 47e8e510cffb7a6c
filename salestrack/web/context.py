def navigation(request):
    """What the top bar needs on every page."""
    user = getattr(request, "user", None)
    return {"is_admin": bool(user and user.is_authenticated and user.role == "admin")}
