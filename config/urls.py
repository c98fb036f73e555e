from django.contrib import admin
from django.urls import include, path

from config import health
from regiekoppeling.api import errors

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("regiekoppeling.api.urls")),
    # For load balancers and orchestrators, outside the versioned API (README "Production deployment").
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
]

# Non-DRF errors (unknown URLs, uncaught exceptions) are problem+json too.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
