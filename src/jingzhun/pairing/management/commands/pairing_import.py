"""jingzhun pairing_import KIND FILE --partnership ID [--user USERNAME]
jingzhun pairing_import KIND template PATH   (writes the empty xlsx template)

KIND is one of the six ledgers (secondments, training, labour, students, investments, purchases), funds or projects.
All or nothing: prints the number of records created, or every error (row, column, message) and exits with 1.
Without --user the import runs as the system (national scope, audited without an actor).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from jingzhun.pairing.ledger_import import IMPORT_KINDS, import_template, ledger_import
from jingzhun.pairing.models import Partnership


class Command(BaseCommand):
    help = "Import a pairing ledger (or funds, projects) from a CSV or xlsx file, all or nothing; or write its template."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=IMPORT_KINDS)
        parser.add_argument("file", help="the CSV or xlsx file, or `template`")
        parser.add_argument("path", nargs="?", help="with `template`: where to write the xlsx template")
        parser.add_argument("--partnership", type=int, help="the partnership's id")
        parser.add_argument("--user", help="import as this user (scope checked and audited); default: the system")

    def handle(self, *args, **opts):
        kind = opts["kind"]
        if opts["file"] == "template":
            if not opts["path"]:
                raise CommandError("give the path of the template to write")
            Path(opts["path"]).write_bytes(import_template(kind))
            self.stdout.write(f"template written to {opts['path']}")
            return
        source = Path(opts["file"])
        if not source.is_file():
            raise CommandError(f"cannot read {source}: no such file")
        if opts["partnership"] is None:
            raise CommandError("--partnership is required")
        partnership = Partnership.objects.filter(pk=opts["partnership"]).first()
        if partnership is None:
            raise CommandError(f"there is no partnership {opts['partnership']}")
        actor = None
        if opts["user"]:
            actor = get_user_model().objects.filter(username=opts["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"there is no active user {opts['user']}")
        try:
            result = ledger_import(actor=actor, kind=kind, partnership=partnership, file=source, filename=source.name)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if result.errors:
            for error in result.errors:
                column = f", {error.column}" if error.column else ""
                self.stdout.write(f"row {error.row}{column}: {error.message}")
            self.stderr.write(f"{len(result.errors)} errors: nothing imported")
            sys.exit(1)
        self.stdout.write(f"{result.created} created")
