from django.utils.functional import SimpleLazyObject

from salestrack.company.money import company_currency


def navigation(request):
    """What the top bar needs on every page, and the currency totals are shown in (read only
    by a page that shows one)."""
    user = getattr(request, "user", None)
    return {
        "is_admin": bool(user and user.is_authenticated and user.role == "admin"),
        "company_currency": SimpleLazyObject(company_currency),
    }
