from django.urls import path

from salestrack.accounts import views

urlpatterns = [
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/new/", views.account_new, name="account-new"),
    path("accounts/bulk/", views.account_bulk, name="account-bulk"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account-edit"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_new, name="contact-new"),
    path("contacts/bulk/", views.contact_bulk, name="contact-bulk"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
]
