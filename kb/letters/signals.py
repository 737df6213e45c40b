"""Receivers of letters; each names its sender (``STYLE.md`` practice 14).

* ``post_migrate`` (the ``incidents`` app, the ``Letter`` model's: Django sends it only
  for apps with models, which this one has none of): the "Letter review" workflow and the
  groups' permissions (``letter_workflow_ensure``).
* Wagtail's workflow signals (sender ``WorkflowState``, the instance a workflow state):
  a letter's status follows its review — submitted → *in review*, approved → *approved*,
  changes requested or cancelled → *draft* (``letter_status_follow``; a sent letter
  stays sent).
* ``published`` (sender ``Letter``): approving the workflow's last task publishes the
  letter, as does a moderator's "Publish": *approved*.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_migrate

from incidents.models import LetterStatus


def _workflow(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    from kb.letters.workflow import letter_workflow_ensure

    # This runs before contenttypes' own receiver for the app: after a flush, the
    # cache still holds the content types the flush deleted.
    ContentType.objects.clear_cache()
    letter_workflow_ensure(using=using)


def _follow(letter: Any, status: str) -> None:
    """Record ``status`` for ``letter`` (a ``Letter`` or anything else, ignored), from
    the stored row: the instance may be built from a revision."""
    from incidents.models import Letter
    from kb.letters.services import letter_status_follow

    if not isinstance(letter, Letter) or letter.pk is None:
        return
    stored = Letter.objects.filter(pk=letter.pk).first()
    if stored is None:
        return
    letter_status_follow(letter=stored, status=status)
    letter.status = stored.status


def _state_follower(status: str) -> Any:
    def follow(sender: Any, instance: Any, **kwargs: Any) -> None:
        _follow(instance.content_object, status)

    follow.__name__ = f"letter_follows_workflow_{status}"
    return follow


_submitted = _state_follower(LetterStatus.IN_REVIEW)
_approved = _state_follower(LetterStatus.APPROVED)
_rejected = _state_follower(LetterStatus.DRAFT)
_cancelled = _state_follower(LetterStatus.DRAFT)


def _published(sender: Any, instance: Any, **kwargs: Any) -> None:
    _follow(instance, LetterStatus.APPROVED)


def connect() -> None:
    from django.apps import apps
    from wagtail.models import WorkflowState
    from wagtail.signals import (
        published,
        workflow_approved,
        workflow_cancelled,
        workflow_rejected,
        workflow_submitted,
    )

    from incidents.models import Letter

    post_migrate.connect(_workflow, sender=apps.get_app_config("incidents"),
                         dispatch_uid="letters.workflow")
    for signal, receiver, name in (
        (workflow_submitted, _submitted, "submitted"),
        (workflow_approved, _approved, "approved"),
        (workflow_rejected, _rejected, "rejected"),
        (workflow_cancelled, _cancelled, "cancelled"),
    ):
        signal.connect(receiver, sender=WorkflowState, dispatch_uid=f"letters.workflow_{name}")
    published.connect(_published, sender=Letter, dispatch_uid="letters.published")
