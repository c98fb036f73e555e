from django.urls import path
from rest_framework.routers import SimpleRouter

from .aanvragen import AanvraagViewSet, DocumentViewSet, VoorzieningViewSet
from .berichten import AbonnementViewSet, BerichtViewSet
from .feedback import BeschikkingViewSet, TerugkoppelingViewSet
from .logboek import VerwerkingViewSet
from .producten import ProductViewSet
from .schema import OpenAPIJSONView, OpenAPIYAMLView
from .signalen import SignaalViewSet
from .toewijzingen import ToewijzingViewSet
from .zgw_notificaties import ZgwNotificatieView

router = SimpleRouter(trailing_slash=False)
router.register("aanvragen", AanvraagViewSet, basename="aanvraag")
router.register("voorzieningen", VoorzieningViewSet, basename="voorziening")
router.register("documenten", DocumentViewSet, basename="document")
router.register("terugkoppelingen", TerugkoppelingViewSet, basename="terugkoppeling")
router.register("beschikkingen", BeschikkingViewSet, basename="beschikking")
router.register("toewijzingen", ToewijzingViewSet, basename="toewijzing")
router.register("signalen", SignaalViewSet, basename="signaal")
router.register("berichten", BerichtViewSet, basename="bericht")
router.register("producten", ProductViewSet, basename="product")
router.register("abonnementen", AbonnementViewSet, basename="abonnement")
router.register("verwerkingen", VerwerkingViewSet, basename="verwerking")

urlpatterns = [
    path("openapi.json", OpenAPIJSONView.as_view(), name="openapi-json"),
    path("openapi.yaml", OpenAPIYAMLView.as_view(), name="openapi-yaml"),
    path("zgw-notificaties", ZgwNotificatieView.as_view(), name="zgw-notificaties"),
    *router.urls,
]
