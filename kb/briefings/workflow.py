"""The editorial workflow of briefings: draft → review → publish, with Wagtail's own
workflow ("Briefing review", one group approval task for the Moderators) assigned to
the briefing index, so every briefing below it is reviewed before it is published.

Who does what, as Wagtail page permissions on the briefing index:

* **Editors** may reach the admin, create briefings, edit them and submit them for
  review (``add`` and ``change``); they may not publish.
* **Moderators** may do all of that, publish, lock and unlock, and they approve or
  request changes in the workflow's task.

Wagtail's migrations make a "Moderators approval" workflow on the root page and the
same groups, but a test's flush deletes all of it and migrations do not run again; this
module makes what is missing after every ``migrate`` and flush (``post_migrate``, next
to ``kb.briefings.site.briefing_site_ensure``). Idempotent, and it never undoes an
administrator's choice: an index that already has a workflow keeps it, an existing
"Briefing review" workflow keeps its tasks, a group keeps its other permissions.
"""

from __future__ import annotations

from django.db import connections, transaction

WORKFLOW_NAME = "Briefing review"
TASK_NAME = "Moderators approve the briefing"
EDITORS = "Editors"
MODERATORS = "Moderators"
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
MODERATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page",
                              "unlock_page")
_TABLES = {"auth_group", "auth_permission", "wagtailcore_page", "wagtailcore_workflow",
           "wagtailcore_task", "wagtailcore_groupapprovaltask", "wagtailcore_workflowpage",
           "wagtailcore_workflowtask", "wagtailcore_grouppagepermission",
           "briefings_briefingindexpage"}


def _ready(using: str) -> bool:
    return _TABLES.issubset(connections[using].introspection.table_names())


def briefing_workflow_ensure(*, using: str = "default") -> bool:
    """Make what is missing of: the Editors and Moderators groups with admin access,
    their page permissions on the briefing index, and the "Briefing review" workflow
    (a Moderators group approval task) assigned to the index. One transaction; returns
    whether it created anything. Does nothing without a briefing index (``site.py``
    makes it first) or on a database whose tables are not migrated yet."""
    if not _ready(using):
        return False
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.admin.models import Admin
    from wagtail.models import (
        GroupApprovalTask,
        GroupPagePermission,
        Page,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    from kb.briefings.models import BriefingIndexPage

    index = BriefingIndexPage.objects.using(using).first()
    if index is None:
        return False
    types = ContentType.objects.db_manager(using)
    created = False

    def permission(model: type, codename: str, name: str) -> Permission:
        # After a flush our post_migrate runs before auth's for the apps listed after
        # ours, so the permission may not be back yet: make it as auth would.
        nonlocal created
        row, made = Permission.objects.using(using).get_or_create(
            content_type=types.get_for_model(model, for_concrete_model=False),
            codename=codename, defaults={"name": name})
        created |= made
        return row

    with transaction.atomic(using=using):
        access_admin = permission(Admin, "access_admin", "Can access Wagtail admin")
        groups = {}
        for name, codenames in ((EDITORS, EDITOR_PAGE_PERMISSIONS),
                                (MODERATORS, MODERATOR_PAGE_PERMISSIONS)):
            group, made = Group.objects.using(using).get_or_create(name=name)
            created |= made
            if not group.permissions.filter(pk=access_admin.pk).exists():
                group.permissions.add(access_admin)
                created = True
            for codename in codenames:
                row = permission(Page, codename, f"Can {codename.replace('_', ' ')}")
                _, made = GroupPagePermission.objects.using(using).get_or_create(
                    group=group, page=index, permission=row)
                created |= made
            groups[name] = group

        workflow = Workflow.objects.using(using).filter(name=WORKFLOW_NAME).first()
        if workflow is None:
            workflow = Workflow.objects.using(using).create(name=WORKFLOW_NAME, active=True)
            created = True
        if not WorkflowTask.objects.using(using).filter(workflow=workflow).exists():
            task = GroupApprovalTask.objects.using(using).create(name=TASK_NAME, active=True)
            task.groups.set([groups[MODERATORS]])
            WorkflowTask.objects.using(using).create(workflow=workflow, task=task,
                                                     sort_order=0)
            created = True
        if not WorkflowPage.objects.using(using).filter(page=index).exists():
            WorkflowPage.objects.using(using).create(page=index, workflow=workflow)
            created = True
    return created
