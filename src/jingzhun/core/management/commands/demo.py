"""`jingzhun demo`: migrate, load areas, seed policy, generate demo counties, create demo logins, serve."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_PROVINCES = "52,43,51,33,42"  # Guizhou, Hunan, Sichuan, Zhejiang, Hubei: the seed articles' places
DEMO_COUNTIES = [("522633", 6000, 1), ("431125", 3000, 2), ("522632", 2000, 3)]
DEMO_PASSWORD = "jingzhun-demo"


class Command(BaseCommand):
    help = "Set up and serve a demo: areas, policy lines, generated counties and one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true")
        parser.add_argument("--households", type=int, default=None, help="households per demo county (default: per county)")

    def handle(self, *args, no_serve, households, **options):
        from jingzhun.areas.models import Area
        from jingzhun.demo.users import demo_users
        from jingzhun.policy.services import lines_seed
        from jingzhun.registry.models import Household

        call_command("migrate", verbosity=0)
        if not Area.objects.filter(code="522633000000").exists():
            call_command("load_areas", provinces=DEMO_PROVINCES)
        lines_seed()
        for county, n, seed in DEMO_COUNTIES:
            if not Household.objects.filter(area__code__startswith=county).exists():
                call_command("generate", county=county, households=households or n, seed=seed)
        from jingzhun.analytics.models import Snapshot
        from jingzhun.analytics.snapshots import snapshot_take

        for province in sorted({county[:2] + "0" * 10 for county, _n, _seed in DEMO_COUNTIES}):
            if not Snapshot.objects.filter(area_id=province).exists():  # the analytics pages read snapshots
                snap = snapshot_take(actor=None, area=Area.objects.get(code=province))
                self.stdout.write(f"Snapshot {snap.pk} of {province}: {snap.persons} persons, {snap.first_year}-{snap.last_year}")
        from jingzhun.demo.procedures import demo_cases
        from jingzhun.demo.users import _first_township_and_village

        _township, village = _first_township_and_village(Area.objects.get(code="522633000000"))
        cases = demo_cases("522633", village)
        if cases:
            self.stdout.write(f"Demo cases: {cases}")
        import time

        from jingzhun.demo.pairing import demo_pairing

        began = time.perf_counter()
        pairing = demo_pairing()  # idempotent: {} when the demo's pairings exist
        if pairing:
            self.stdout.write(f"Demo pairing in {time.perf_counter() - began:.1f} s: " + ", ".join(f"{n} {key}" for key, n in pairing.items()))
        logins = demo_users(password=DEMO_PASSWORD)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, role, area in logins:
            self.stdout.write(f"  {username:<12} {role:<11} {area}")
        if not no_serve:
            os.environ.setdefault("DEBUG", "1")
            call_command("serve")
