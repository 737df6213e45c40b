"""Print nothing, write a secret key once: ``python scripts/secret_key.py PATH``.

Creates ``PATH`` (and its directory) with a new 64-character random key, mode 0600, if
it does not exist; an existing file is kept as it is (its mode tightened to 0600), so
the key, and the sessions signed with it, survive later runs. Settings read it through
``KB_SECRET_KEY_FILE``; they never write to disk themselves. Standard library only.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)"


def ensure_secret_key(path: Path, length: int = 64) -> bool:
    """Create ``path`` with a random key unless it holds one. True when created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8").strip():
        os.chmod(path, 0o600)
        return False
    key = "".join(secrets.choice(KEY_CHARS) for _ in range(length))
    # O_EXCL on a fresh file: never readable by others, not even for a moment.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH", file=sys.stderr)
        return 2
    path = Path(argv[1])
    if ensure_secret_key(path):
        print(f"Created a new secret key in {path} (mode 0600).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
