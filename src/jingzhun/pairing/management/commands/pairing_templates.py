"""jingzhun pairing_templates [--file PATH]

Reload the east-west assessment templates from pairing/data/assessment_templates.json (or PATH): the templates and
indicators named in the file are reset to it (names, weights, targets, bands); indicators added in the admin under
other codes are left alone.  Prints the number of templates and indicators created or changed (0 when up to date).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun.pairing.assessment import load_templates


class Command(BaseCommand):
    help = "Reload the assessment templates from their JSON file (resets the weights named there to the file)."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="a templates JSON file (default: the one shipped with the pairing app)")

    def handle(self, *args, **opts):
        try:
            changed = load_templates(opts["file"])
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"cannot load the templates: {error}") from error
        self.stdout.write(f"{changed} templates and indicators created or changed")
