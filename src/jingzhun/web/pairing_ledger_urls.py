"""URLs of the pairing ledger pages (issue 6): funds, projects, the six other ledgers and their imports.

Included at ``/pairing/`` in the ``web`` namespace. The ledger kinds are spelt out in the patterns (the keys of
``pairing.ledgers.LEDGERS``) so that ``/pairing/<id>/<kind>/`` never shadows another pairing page.
"""

from django.urls import path, register_converter

from .views import pairing_ledgers as views


class LedgerKindConverter:
    regex = "secondments|training|labour|students|investments|purchases"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ImportKindConverter(LedgerKindConverter):
    regex = "secondments|training|labour|students|investments|purchases|funds|projects"


register_converter(LedgerKindConverter, "pairing_ledger")
register_converter(ImportKindConverter, "pairing_import")

urlpatterns = [
    path("<int:pk>/funds/", views.funds, name="pairing_funds"),
    path("<int:pk>/funds/<int:entry_pk>/correct/", views.fund_correct, name="pairing_fund_correct"),
    path("<int:pk>/projects/", views.project_list, name="pairing_projects"),
    path("<int:pk>/projects/<int:project_pk>/", views.project_detail, name="pairing_project"),
    path("<int:pk>/projects/<int:project_pk>/advance/", views.project_advance, name="pairing_project_advance"),
    path("<int:pk>/projects/<int:project_pk>/outputs/", views.project_output, name="pairing_project_output"),
    path("<int:pk>/projects/<int:project_pk>/beneficiaries/", views.project_beneficiary, name="pairing_project_beneficiary"),
    path("<int:pk>/import/<pairing_import:kind>/", views.ledger_import_page, name="pairing_ledger_import"),
    path("import-template/<pairing_import:kind>.xlsx", views.ledger_template, name="pairing_ledger_template"),
    path("<int:pk>/<pairing_ledger:kind>/", views.ledger_list, name="pairing_ledger"),
    path("<int:pk>/<pairing_ledger:kind>/<int:record_pk>/", views.ledger_edit, name="pairing_ledger_edit"),
    path("<int:pk>/<pairing_ledger:kind>/<int:record_pk>/delete/", views.ledger_delete, name="pairing_ledger_delete"),
    path("<int:pk>/<pairing_ledger:kind>/<int:record_pk>/people/", views.ledger_people, name="pairing_ledger_people"),
]
