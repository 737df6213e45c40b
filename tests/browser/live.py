"""The module-wide live site of the browser tests (see ``conftest.reference_site``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A page of this site renders in well under a second; waiting 30 s (Playwright's default)
# for a missing element only makes a failing run slow.
BROWSER_TIMEOUT_MS = 10_000
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-pass-1"  # noqa: S105


@dataclass
class ReferenceSite:
    url: str
    data_dir: Path
    username: str = ADMIN_USERNAME
    password: str = ADMIN_PASSWORD

    def at(self, path: str) -> str:
        return f"{self.url}{path}"


def site_settings(data_dir: Path) -> dict[str, object]:
    return {
        "KB_DATA_DIR": data_dir,
        "KB_SEARCH_INDEX_DIR": data_dir / "index",
        "MEDIA_ROOT": data_dir / "media",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }


def log_in(page: Any, site: ReferenceSite, *, start: str = "/") -> None:
    """Log in through the login form, starting from ``start`` (which redirects to it)."""
    page.goto(site.at(start))
    page.wait_for_url("**/login/**")
    page.fill("#id_username", site.username)
    page.fill("#id_password", site.password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


