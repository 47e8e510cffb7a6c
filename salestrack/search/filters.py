"""A list's words (`?q=`), on top of a record kind's own filters: pages and API alike."""

import django_filters
from django.db.models import Q

from salestrack.access.visibility import owner_ids
from salestrack.search import index


class Searched(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search")

    # Fields `q` matches with icontains, for records without a search index (activities);
    # leads, contacts, accounts and opportunities are searched by salestrack.search.index.
    search_fields: list[str] = []

    def search(self, queryset, name, value):
        if queryset.model in index.FIELDS:
            owners = owner_ids(self.request.user)
            if owners is None:
                # Someone who sees everything: no owners to narrow by, so the newest ids are
                # walked first (index.newest).
                cutoff = index.recent_cutoffs([queryset.model]).get(queryset.model)
                return index.matching(queryset, value, cutoff=cutoff)
            return index.matching(queryset, value, owners=owners)
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)
