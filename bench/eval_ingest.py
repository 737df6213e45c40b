#!/usr/bin/env python
"""Score the ingest extractor on the hand-labelled articles.

    .venv/bin/python bench/eval_ingest.py [DIR]     # default tests/data/ingest/labelled
    .venv/bin/python bench/eval_ingest.py -v        # also list misses and false finds

Prints kind, expected, found, correct, precision and recall, and exits 1 when
quantities, dates/periods or actors fall below recall 0.95 or precision 0.90. Needs no
database: the actor names come from the bundled reference file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from incidents.ingest.evaluate import (  # noqa: E402  (the path above comes first)
    REPORT_KINDS,
    evaluate_directory,
    failures,
)
from incidents.ingest.lexicon import lexicon_from_reference  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "tests/data/ingest/labelled"))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    if not directory.is_dir():
        print(f"not a directory: {directory}", file=sys.stderr)
        return 2
    scores, details = evaluate_directory(directory, lexicon_from_reference())
    print(f"{len(details)} labelled articles in {directory}")
    print(f"{'kind':<12} {'expected':>8} {'found':>6} {'correct':>7} {'precision':>9} "
          f"{'recall':>6}")
    for kind in REPORT_KINDS:
        s = scores[kind]
        print(f"{kind:<12} {s.expected:>8} {s.found:>6} {s.correct:>7} "
              f"{s.precision:>9.3f} {s.recall:>6.3f}")
    if args.verbose:
        for name, missed, wrong in details:
            for item in missed:
                print(f"  {name}: missed {json.dumps(item, ensure_ascii=False)}")
            for item in wrong:
                shown = {k: item.get(k) for k in ("kind", "value", "unit", "qualifier",
                                                   "subject", "text")}
                print(f"  {name}: wrong  {json.dumps(shown, ensure_ascii=False)}")
    problems = failures(scores)
    for line in problems:
        print(f"BELOW THRESHOLD {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
