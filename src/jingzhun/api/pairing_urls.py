"""URLs of the pairing API (issue 6), included at /api/pairing/ in the `api` namespace. See `api/pairing.py`.

The router's root view is left out: the main router's `api-root` is the API's root (one name per namespace).
"""

from rest_framework.routers import DefaultRouter

from . import pairing as views

router = DefaultRouter()
router.include_root_view = False
router.register("partnerships", views.PartnershipViewSet, basename="pairing-partnership")
router.register("areas", views.AreaRollupViewSet, basename="pairing-area")
router.register("fund-entries", views.FundEntryViewSet, basename="pairing-fund-entry")
router.register("projects", views.ProjectViewSet, basename="pairing-project")
for _kind, _viewset in views.LEDGER_VIEWSETS.items():
    router.register(f"ledgers/{_kind}", _viewset, basename=f"pairing-{_kind}")
for _kind, _viewset in views.IMPORT_VIEWSETS.items():
    router.register(f"imports/{_kind}", _viewset, basename=f"pairing-import-{_kind}")
router.register("claims", views.ClaimViewSet, basename="pairing-claim")
router.register("households", views.HouseholdPairingViewSet, basename="pairing-household")

urlpatterns = [*router.urls]
