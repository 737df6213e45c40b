"""The site's place in Wagtail's tree: a home page (``/``, the analyst dashboard) as the
default site's root, and below it the briefing index (``/briefings/``).

Made after every ``migrate`` (and after a test's flush, which sends the same signal), so
a fresh database, a test database and a database a transactional test emptied all have
them. Idempotent; never touches pages an editor made.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction


def _ready(using: str) -> bool:
    tables = set(connections[using].introspection.table_names())
    return {"wagtailcore_page", "wagtailcore_site", "wagtailcore_locale",
            "briefings_homepage", "briefings_briefingindexpage"} <= tables


def briefing_site_ensure(*, using: str = "default") -> bool:
    """Create what is missing of: Wagtail's locale and root page, the home page, the
    default site on it, and the briefing index below it. Returns whether it created
    anything. Does nothing on a database whose tables are not migrated yet."""
    if not _ready(using):
        return False
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from kb.briefings.models import BriefingIndexPage, HomePage

    created = False
    with transaction.atomic(using=using):
        if not Locale.objects.using(using).exists():
            Locale.objects.using(using).create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
            created = True
        root = Page.objects.using(using).filter(depth=1).first()
        if root is None:
            root = Page.add_root(instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.db_manager(
                    using).get_for_model(Page)))
            created = True
        home = HomePage.objects.using(using).first()
        if home is None:
            home = root.add_child(instance=HomePage(title="Distillation incident KB",
                                                    slug="home"))
            created = True
        if not Site.objects.using(using).filter(is_default_site=True).exists():
            Site.objects.using(using).create(hostname="localhost", port=80, root_page=home,
                                             is_default_site=True,
                                             site_name="Distillation incident KB")
            created = True
        if not BriefingIndexPage.objects.using(using).exists():
            home.add_child(instance=BriefingIndexPage(
                title="Briefings", slug="briefings",
                intro="<p>Briefings for leadership, with live, footnoted figures.</p>"))
            created = True
    return created
