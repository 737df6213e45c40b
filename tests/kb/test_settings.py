"""Settings come from KB_* variables, fail fast on a missing secret, touch no disk."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kb.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import kb.settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
)


def _import_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    clean.update(env)
    return subprocess.run(  # noqa: S603 (our own interpreter, a fixed snippet)
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_missing_secret_key_fails_fast_outside_debug(tmp_path):
    result = _import_settings(tmp_path, KB_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode != 0
    assert "KB_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "d").exists()  # no side effect at import time


def test_debug_mode_defaults_to_embedded_parts(tmp_path):
    result = _import_settings(tmp_path, KB_DEBUG="1", KB_DATA_DIR=str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3", "True"]
    assert not (tmp_path / "d").exists()


def test_server_settings_from_environment(tmp_path):
    result = _import_settings(
        tmp_path, KB_SECRET_KEY="x" * 50, KB_DATABASE_URL="postgres://u@db:5432/kb",
        KB_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql", "False"]


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("KB_X", "yes")
    assert env_bool("KB_X") is True
    monkeypatch.setenv("KB_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("KB_X")
    monkeypatch.setenv("KB_N", "12")
    assert env_int("KB_N", 3) == 12
    monkeypatch.setenv("KB_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("KB_N", 3)
    monkeypatch.setenv("KB_L", "a, b,,c")
    assert env_list("KB_L", []) == ["a", "b", "c"]
