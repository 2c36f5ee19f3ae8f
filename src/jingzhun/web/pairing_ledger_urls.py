"""URLs of the pairing pages (issue 6)."""

urlpatterns: list = []
