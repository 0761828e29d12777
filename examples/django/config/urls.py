from django.urls import include, path

urlpatterns = [
    path("api/support/", include("ticketry.django.urls")),
]
