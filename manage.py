#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    # Settings never touch the disk; the command line entry point makes the data
    # directory the embedded SQLite database lives in.
    settings.KB_DATA_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
