from django.urls import path

from salestrack.leads import views

urlpatterns = [
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/new/", views.lead_new, name="lead-new"),
    path("leads/bulk/", views.lead_bulk, name="lead-bulk"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="lead-disqualify"),
]
