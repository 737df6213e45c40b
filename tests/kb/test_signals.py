"""Every receiver names its sender (issue 8, done-when 5).

A receiver connected without a sender runs on every save or delete of every model and
turns off Django's fast delete for all of them. These tests look at the receivers the
whole process has once the project is loaded (every app's ``ready()`` has run), not only
search's: no receiver of the project's own code is connected without a sender, and the
model signals that decide fast deletes listen to nothing for a model nobody connects to.
"""

from __future__ import annotations

import weakref

import pytest
from django.contrib.sessions.models import Session
from django.db.models import signals as model_signals
from django.dispatch import Signal
from django.dispatch.dispatcher import NONE_ID
from wagtail import signals as wagtail_signals

# Django's model signals (migrate signals are sent by app configs and are connected for
# all of them by design, Django's own included, so they are not model signals here).
MODEL_SIGNALS = ("pre_init", "post_init", "pre_save", "post_save", "pre_delete",
                 "post_delete", "m2m_changed")
WAGTAIL_SIGNALS = tuple(sorted(n for n in dir(wagtail_signals)
                               if isinstance(getattr(wagtail_signals, n), Signal)))
PROJECT_PACKAGES = ("kb", "incidents")

# Third-party receivers for all senders, as installed (not the project's to change):
# Wagtail sets a default locale before any save; its redirects app follows page moves.
# Listed exactly, so a new one (anyone's) shows up here.
THIRD_PARTY_ALL_SENDERS = {
    "pre_save": {"wagtail.models.i18n.set_locale_on_new_instance"},
    "page_slug_changed": {
        "wagtail.contrib.redirects.signal_handlers.autocreate_redirects_on_slug_change"},
    "post_page_move": {
        "wagtail.contrib.redirects.signal_handlers.autocreate_redirects_on_page_move"},
}


class _Nobody:
    """A sender no receiver can have named."""


def _signal(name: str) -> Signal:
    return getattr(model_signals if name in MODEL_SIGNALS else wagtail_signals, name)


def _name(receiver) -> str:
    target = receiver() if isinstance(receiver, weakref.ref) else receiver  # weak or strong
    func = getattr(target, "__func__", target)
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _all_senders(signal: Signal) -> set[str]:
    """Receivers of ``signal`` connected without a sender, by dotted name."""
    return {_name(r[1]) for r in signal.receivers if r[0][1] == NONE_ID}


def test_the_signal_lists_are_complete():
    assert {"page_published", "page_unpublished", "post_page_move", "published",
            "unpublished"} <= set(WAGTAIL_SIGNALS)
    # The check below would see a receiver connected without a sender.
    probe = Signal()

    def receiver(sender, **kwargs):
        pass

    probe.connect(receiver)
    assert _all_senders(probe) == {f"{__name__}.{receiver.__qualname__}"}
    assert probe.has_listeners(_Nobody)


@pytest.mark.parametrize("name", MODEL_SIGNALS + WAGTAIL_SIGNALS)
def test_no_receiver_listens_to_every_sender(name):
    signal = _signal(name)
    unnamed = _all_senders(signal)
    project = {r for r in unnamed if r.split(".")[0] in PROJECT_PACKAGES}
    assert project == set(), f"{name}: project receivers without a sender: {project}"
    assert unnamed == THIRD_PARTY_ALL_SENDERS.get(name, set()), name
    assert signal.has_listeners(_Nobody) == bool(unnamed), name


@pytest.mark.parametrize("name", ["post_save", "pre_delete", "post_delete", "m2m_changed",
                                  "pre_init", "post_init"])
def test_nothing_listens_to_a_model_nobody_connected_to(name):
    # Sessions are saved and deleted by every request: no project receiver runs for
    # them, and Django may fast-delete them.
    assert not _signal(name).has_listeners(Session)
    assert not _signal(name).has_listeners(_Nobody)


def test_sessions_are_fast_deleted(db):
    from django.db.models.deletion import Collector

    assert Collector(using="default").can_fast_delete(Session.objects.all())


@pytest.mark.parametrize("name", ["page_published", "page_unpublished", "post_page_move",
                                  "pre_page_move", "published", "unpublished"])
def test_wagtail_signals_do_not_reach_models_nobody_connected_to(name):
    signal = _signal(name)
    assert signal.has_listeners(_Nobody) == bool(THIRD_PARTY_ALL_SENDERS.get(name))
    assert not {_name(r[1]) for r in signal.receivers
                if r[0][1] == NONE_ID and _name(r[1]).startswith(PROJECT_PACKAGES)}
