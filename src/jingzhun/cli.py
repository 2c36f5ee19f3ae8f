"""The `jingzhun` console script: Django's manage.py with the project's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")
    if args[:1] == ["demo"]:
        # The demo runs with DEBUG on and writes its own secret key to var/secret_key on first run.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jingzhun", *args])


if __name__ == "__main__":
    main()
