"""Remove Wagtail's default "Welcome to your new Wagtail site!" page and its Site.

Wagtail's first migrations create that page and a default Site serving it at ``/pages/``.
The site's pages are ours: until briefings exist there is no Wagtail site, and
``/pages/`` is our 404. Only the untouched default page is removed (base ``Page`` type,
the default slug and title, no children); a site someone has built is left alone.
"""

from django.db import migrations

WELCOME_TITLE = "Welcome to your new Wagtail site!"


def remove_welcome_page(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentType = apps.get_model("contenttypes", "ContentType")
    base_page = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    if base_page is None:
        return
    welcome = Page.objects.filter(
        depth=2, slug="home", title=WELCOME_TITLE, numchild=0, content_type=base_page,
    ).first()
    if welcome is None:
        return
    Site.objects.filter(root_page=welcome).delete()
    parent_path = welcome.path[:-4]
    welcome.delete()
    # Treebeard keeps a child count on the parent; historical models lack its methods.
    for root in Page.objects.filter(path=parent_path):
        root.numchild = Page.objects.filter(depth=root.depth + 1,
                                            path__startswith=root.path).count()
        root.save(update_fields=["numchild"])


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_value_validation"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(remove_welcome_page, migrations.RunPython.noop),
    ]
