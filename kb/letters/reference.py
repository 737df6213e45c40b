"""The bundled members and committees: an excerpt of the public-domain
congress-legislators files (``incidents/reference/congress/``, the same excerpt as the
tests' ``tests/data/congress``), imported with the reference data so a fresh site can
address a letter to the Senate Banking Committee's chair and ranking member. The full
files are imported with ``manage.py import_legislators``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

CONGRESS_DIR = (Path(__file__).resolve().parent.parent.parent
                / "incidents" / "reference" / "congress")


def reference_congress_load(sender: Any = None, bundled: bool = True, **kwargs: Any
                            ) -> Counter[str]:
    """Import the bundled excerpt after the bundled reference data (not after another
    file's: that one brings its own actors). Idempotent."""
    from incidents.services.legislators import legislators_import

    if not bundled:
        return Counter()
    return legislators_import(
        legislators=CONGRESS_DIR / "legislators-current.yaml",
        committees=CONGRESS_DIR / "committees-current.yaml",
        membership=CONGRESS_DIR / "committee-membership-current.yaml",
    )
