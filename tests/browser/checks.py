"""What every main page must pass in the browser: screenshots at 1280 px and 390 px kept as
artifacts, no horizontal scrolling at 390 px, and no serious or critical axe-core
violation (axe-core vendored from npm under ``static/vendor/axe-core/``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

AXE_VERSION = "4.14.1"
AXE_PATH = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}


def artifacts_dir() -> Path:
    """Where screenshots go: ``$KB_ARTIFACTS_DIR``, else ``var/artifacts/screenshots/``."""
    configured = os.environ.get("KB_ARTIFACTS_DIR")
    path = (Path(configured) if configured
            else Path(settings.BASE_DIR) / "var" / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Any, name: str, width: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    path = artifacts_dir() / f"{slug}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # From the site's own static files, by URL: the pages' Content-Security-Policy
        # (script-src 'self' + nonce) refuses an inline script, which path= would inject.
        page.add_script_tag(url=f"{settings.STATIC_URL}vendor/axe-core/axe.min.js")
    version = page.evaluate("() => window.axe.version")
    assert version == AXE_VERSION, f"vendored axe-core is {version}, expected {AXE_VERSION}"
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({
                    target: n.target.join(' '),
                    html: n.html.slice(0, 200),
                    summary: (n.failureSummary || '').slice(0, 300),
                })),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['impact']}: {v['id']} ({v['help']})")
        lines.extend(f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


@dataclass
class PageReport:
    name: str
    url: str
    scroll_width: int
    wide_violations: list[dict[str, Any]]
    phone_violations: list[dict[str, Any]]
    screenshots: tuple[Path, Path]
    widest: str = ""  # the elements wider than the viewport, when the page is
    heading_skips: tuple[str, ...] = ()  # headings that skip a level ("h2 → h4 Title")

    def problems(self) -> list[str]:
        found = []
        if self.scroll_width > PHONE["width"]:
            found.append(f"{self.name} ({self.url}): scrollWidth {self.scroll_width} > 390 "
                         f"at 390 px; widest: {self.widest}")
        if self.heading_skips:
            found.append(f"{self.name}: headings skip a level: {'; '.join(self.heading_skips)}")
        if self.wide_violations:
            found.append(f"{self.name} at 1280 px:\n{describe(self.wide_violations)}")
        if self.phone_violations:
            found.append(f"{self.name} at 390 px:\n{describe(self.phone_violations)}")
        return found


WIDEST_JS = """() => {
    const limit = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > limit + 0.5 && r.width > 0) {
            out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                     ' right=' + Math.round(r.right));
        }
    }
    return out.slice(0, 8).join('; ');
}"""


HEADING_SKIPS_JS = """() => {
    const out = [];
    let previous = 0;
    for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
        const level = Number(h.tagName[1]);
        if (previous && level > previous + 1) {
            out.push('h' + previous + ' → h' + level + ' ' + h.textContent.trim().slice(0, 60));
        }
        previous = level;
    }
    return out;
}"""


def check_page(page: Any, name: str) -> PageReport:
    """Screenshot the page already loaded in ``page`` at 1280 px and at 390 px, measure its
    width at 390 px, run axe-core at both widths (charts have a wide and a phone layout)
    and look for headings that skip a level. Leaves the viewport at 1280 px."""
    page.set_viewport_size(WIDE)
    heading_skips = tuple(page.evaluate(HEADING_SKIPS_JS))
    wide_shot = screenshot(page, name, "1280")
    wide_violations = axe_violations(page)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)  # let the layout settle after the resize
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    widest = page.evaluate(WIDEST_JS) if scroll_width > PHONE["width"] else ""
    phone_shot = screenshot(page, name, "390")
    phone_violations = axe_violations(page)
    page.set_viewport_size(WIDE)
    return PageReport(name, page.url, scroll_width, wide_violations, phone_violations,
                      (wide_shot, phone_shot), widest, heading_skips)


def assert_page_ok(page: Any, name: str) -> PageReport:
    report = check_page(page, name)
    problems = report.problems()
    assert not problems, "\n".join(problems)
    return report
