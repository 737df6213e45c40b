"""The review workflow of letters: draft → in review → approved, with Wagtail's own
workflow for snippets ("Letter review", one group approval task for the Moderators)
assigned to the ``Letter`` content type. Approving the task publishes the letter, which
``kb.letters.services.letter_status_follow`` records as *approved*; marking it sent is
the policy team's own step after that (``letter_send``).

Who does what, as model permissions on ``incidents.Letter``:

* **Editors** (the briefings' group) may add and change letters and submit them;
* **Moderators** may also publish and lock them, and approve or reject in the task.

Made after every ``migrate`` and flush (``post_migrate``), like the briefing workflow;
idempotent, and it never undoes an administrator's choice: a Letter content type that
already has a workflow keeps it, an existing "Letter review" keeps its tasks.
"""

from __future__ import annotations

from django.db import connections, transaction

WORKFLOW_NAME = "Letter review"
TASK_NAME = "Moderators approve the letter"
EDITORS = "Editors"
MODERATORS = "Moderators"
EDITOR_PERMISSIONS = ("add_letter", "change_letter")
MODERATOR_PERMISSIONS = ("add_letter", "change_letter", "publish_letter", "lock_letter",
                         "unlock_letter")
_TABLES = {"auth_group", "auth_permission", "wagtailcore_workflow", "wagtailcore_task",
           "wagtailcore_groupapprovaltask", "wagtailcore_workflowtask",
           "wagtailcore_workflowcontenttype", "incidents_letter"}


def _ready(using: str) -> bool:
    return _TABLES.issubset(connections[using].introspection.table_names())


def letter_workflow_ensure(*, using: str = "default") -> bool:
    """Make what is missing of: the Editors and Moderators groups with admin access and
    their letter permissions, and the "Letter review" workflow (a Moderators group
    approval task) assigned to letters. One transaction; returns whether it created
    anything."""
    if not _ready(using):
        return False
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.admin.models import Admin
    from wagtail.models import (
        GroupApprovalTask,
        Workflow,
        WorkflowContentType,
        WorkflowTask,
    )

    from incidents.models import Letter

    types = ContentType.objects.db_manager(using)
    letter_type = types.get_for_model(Letter)
    created = False

    def permission(model: type, codename: str, name: str) -> Permission:
        # After a flush our post_migrate may run before auth's: make it as auth would.
        nonlocal created
        row, made = Permission.objects.using(using).get_or_create(
            content_type=types.get_for_model(model, for_concrete_model=False),
            codename=codename, defaults={"name": name})
        created |= made
        return row

    with transaction.atomic(using=using):
        access_admin = permission(Admin, "access_admin", "Can access Wagtail admin")
        groups = {}
        for name, codenames in ((EDITORS, EDITOR_PERMISSIONS),
                                (MODERATORS, MODERATOR_PERMISSIONS)):
            group, made = Group.objects.using(using).get_or_create(name=name)
            created |= made
            wanted = [access_admin, *(permission(Letter, c, f"Can {c.replace('_', ' ')}")
                                      for c in codenames)]
            have = set(group.permissions.values_list("pk", flat=True))
            missing = [p for p in wanted if p.pk not in have]
            if missing:
                group.permissions.add(*missing)
                created = True
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
        if not WorkflowContentType.objects.using(using).filter(
                content_type=letter_type).exists():
            WorkflowContentType.objects.using(using).create(content_type=letter_type,
                                                            workflow=workflow)
            created = True
    return created
