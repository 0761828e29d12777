from django.urls import include, path

urlpatterns = [
    path("api/support/", include("support.urls")),
]
