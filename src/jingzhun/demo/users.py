"""Demo logins, one per role, on the demo counties (idempotent)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from jingzhun.accounts.models import Role, RoleAssignment
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area, Level
from jingzhun.registry.models import Household

GUIZHOU, QIANDONGNAN, CONGJIANG = "520000000000", "522600000000", "522633000000"
JIANGYONG, RONGJIANG = "431125000000", "522632000000"
HANGZHOU = "330100000000"  # the eastern side of the demo pairings (demo/pairing.py)


def _first_township_and_village(county: Area) -> tuple[Area | None, Area | None]:
    """The first township of the county that has households in a village (villagers' committee, NBS code
    200-399; else any residents' committee), with that village; without households its first township."""
    prefix = county.code[:6]
    codes = (Household._base_manager.filter(area_id__gte=prefix + "000000", area_id__lt=f"{int(prefix) + 1:06d}000000")
             .order_by("area_id").values_list("area_id", flat=True).distinct())
    first = next((c for c in codes.iterator() if int(c[9:]) >= 200), None) or codes.first()
    if first:
        township = Area.objects.filter(code=first[:9] + "000", level=Level.TOWNSHIP).first()
        village = Area.objects.filter(code=first, level=Level.VILLAGE).first()
        if township is not None and village is not None:
            return township, village
    township = Area.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code").first()
    village = (Area.objects.filter(parent=township, level=Level.VILLAGE).order_by("code").first()
               if township is not None else None)
    return township, village


@transaction.atomic
def demo_users(*, password: str) -> list[tuple[str, str, str]]:
    """Create the demo logins that are missing; return (username, role, area code) for every demo login.

    ``admin`` (superuser), ``province`` (Guizhou), ``prefecture`` (Qiandongnan), ``congjiang`` (county),
    ``township`` and ``village`` (the first township of Congjiang with households and one of its villages),
    ``analyst`` (Congjiang), ``jiangyong`` / ``rongjiang`` (county) when those counties are loaded, and ``hangzhou``
    (prefecture; the eastern side of the demo pairings, who sees the partnerships but no western household).
    Logins whose area is not loaded are skipped; existing logins are left as they are (a missing role
    assignment is added).
    """
    User = get_user_model()
    out: list[tuple[str, str, str]] = []
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        User.objects.create_superuser(username="admin", password=password, email="")
    out.append(("admin", "superuser", ""))

    areas = {a.code: a for a in Area.objects.filter(code__in=[GUIZHOU, QIANDONGNAN, CONGJIANG, JIANGYONG, RONGJIANG, HANGZHOU])}
    wanted: list[tuple[str, str, Area | None]] = [
        ("province", Role.PROVINCE, areas.get(GUIZHOU)),
        ("prefecture", Role.PREFECTURE, areas.get(QIANDONGNAN)),
        ("congjiang", Role.COUNTY, areas.get(CONGJIANG)),
    ]
    if CONGJIANG in areas:
        township, village = _first_township_and_village(areas[CONGJIANG])
        wanted += [("township", Role.TOWNSHIP, township), ("village", Role.VILLAGE, village)]
    wanted += [
        ("analyst", Role.ANALYST, areas.get(CONGJIANG)),
        ("jiangyong", Role.COUNTY, areas.get(JIANGYONG)),
        ("rongjiang", Role.COUNTY, areas.get(RONGJIANG)),
        ("hangzhou", Role.PREFECTURE, areas.get(HANGZHOU)),
    ]
    for username, role, area in wanted:
        if area is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(actor=None, username=username, password=password, role=role, area=area,
                        full_name=f"{area.name}（演示）")
        else:
            RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        out.append((username, str(role), area.code))
    return out
