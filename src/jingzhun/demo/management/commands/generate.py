"""`jingzhun generate`: a realistic, deterministic county of demo households (see jingzhun.demo.generator)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun.demo.generator import GenerateError, generate_county


def _years(text: str) -> range:
    """'2014-2020' or '2016'."""
    try:
        first, _, last = text.partition("-")
        return range(int(first), int(last or first) + 1)
    except ValueError:
        raise CommandError(f"--years takes a year or a range like 2014-2020, not {text!r}") from None


class Command(BaseCommand):
    help = ("Generate a realistic, deterministic county of rural households (registered poor or not) with persons, "
            "incomes 2014-2020 and status history, into the villages of a county loaded with load_areas.")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 522633 (Congjiang)")
        parser.add_argument("--households", type=int, required=True, help="rural households to generate, poor or not")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
        parser.add_argument("--years", default="2014-2020", help="income years, within 2014-2020 (default 2014-2020)")
        parser.add_argument("--replace", action="store_true", help="delete the county's households first")
        parser.add_argument("--append", action="store_true", help="add to the county's households")
        parser.add_argument("--batch-size", type=int, default=10_000, help="households per transaction (default 10000)")
        parser.add_argument("--bulk", choices=["auto", "on", "off"], default="auto",
                            help="one transaction with the registry indexes rebuilt at the end; locks the tables "
                                 "(auto: from 50,000 households into a registry no larger than that)")

    def handle(self, *args, county, households, seed, years, replace, append, batch_size, bulk, **options):
        if replace and append:
            raise CommandError("choose --replace or --append, not both")
        verbosity = options.get("verbosity", 1)

        def progress(done, total):
            if verbosity >= 2:
                self.stdout.write(f"  {done:,} / {total:,} households")

        try:
            result = generate_county(county_code=county, households=households, seed=seed, years=_years(years),
                                     batch_size=batch_size, replace=replace, append=append,
                                     bulk={"auto": None, "on": True, "off": False}[bulk], progress=progress)
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        if result.deleted_households:
            self.stdout.write(f"Deleted {result.deleted_households:,} households of county {result.county_code}.")
        self.stdout.write(
            f"County {result.county_code}: {result.households:,} households, {result.persons:,} persons "
            f"({result.registered_households:,} households registered poor), {result.income_records:,} income records, "
            f"{result.status_changes:,} status changes in {result.seconds:.1f} s: "
            f"{result.persons_per_second:,.0f} persons/s{' (bulk)' if result.bulk else ''}"
        )
        path = ", ".join(f"{y} {share:.2%}" for y, share in result.incidence.items())
        self.stdout.write(f"Registered poor / rural population: {path}")
