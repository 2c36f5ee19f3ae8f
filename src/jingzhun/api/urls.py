"""The REST API under /api/ (schema at /api/schema/, Swagger UI at /api/docs/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views
from .auth import TokenView
from .cases import CaseViewSet, NoticeViewSet, RegisteredPoorView
from .eligibility import EligibilityOpenCasesView, EligibilityView, MonitoringScanDetailView, MonitoringScanView
from .exports import ExportViewSet
from .imports import ImportViewSet
from .measures import MeasuresView

router = DefaultRouter()
router.register("areas", views.AreaViewSet, basename="area")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("persons", views.PersonViewSet, basename="person")
router.register("incomes", views.IncomeViewSet, basename="income")
router.register("poverty-lines", views.PovertyLineViewSet, basename="poverty-line")
router.register("monitoring-lines", views.MonitoringLineViewSet, basename="monitoring-line")
router.register("imports", ImportViewSet, basename="import")
router.register("exports", ExportViewSet, basename="export")
router.register("cases", CaseViewSet, basename="case")
router.register("notices", NoticeViewSet, basename="notice")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("measures/", MeasuresView.as_view(), name="measures"),
    path("registered-poor/", RegisteredPoorView.as_view(), name="registered-poor"),
    path("eligibility/", EligibilityView.as_view(), name="eligibility"),
    path("eligibility/open-cases/", EligibilityOpenCasesView.as_view(), name="eligibility-open-cases"),
    path("monitoring-scan/", MonitoringScanView.as_view(), name="monitoring-scan"),
    path("monitoring-scan/<int:pk>/", MonitoringScanDetailView.as_view(), name="monitoring-scan-detail"),
    path("pairing/", include("jingzhun.api.pairing_urls")),
    *router.urls,
]
