from django.contrib import admin
from django.urls import include, path

from regiekoppeling.api import errors

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("regiekoppeling.api.urls")),
]

# Non-DRF errors (unknown URLs, uncaught exceptions) are problem+json too.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
