"""A host's own route under the app's prefix, mounted before the app."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def profile(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"host": True})


urlpatterns = [
    path("api/support/profile/", profile),
    path("api/support/", include("ticketry.django.urls")),
]
