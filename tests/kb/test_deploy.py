"""Production settings: ``check --deploy`` is clean, secrets come from files, mail and
HTTPS follow their variables, SQLite runs in WAL mode, and ``make run`` serves like
production (gunicorn, DEBUG off, the site's own 404 page, whitenoise, a kept secret key)."""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection

from kb.env import email_url_mailer, env_secret
from kb.mail import DisabledEmailBackend

ROOT = Path(__file__).resolve().parents[2]
KEY = "k3y-" + "x9Qz" * 14  # 60 characters, 5+ unique: a key check --deploy accepts


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without any KB_* variable (pytest-env sets some), nor
    what the test process sets for itself (the browser tests' conftest allows Django's
    ORM in Playwright's event loop, which ``check --deploy`` rightly refuses)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KB_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(extra)
    return env


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    key_file = tmp_path / "secret_key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    return _env(KB_DEBUG="0", KB_DATA_DIR=str(tmp_path / "data"),
                KB_SECRET_KEY_FILE=str(key_file), KB_HTTPS="1",
                KB_EMAIL_URL="smtp://mailer:pa%40ss@127.0.0.1:587?tls=1",
                KB_ALLOWED_HOSTS="kb.example.org", **extra)


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


# --- check --deploy ----------------------------------------------------------------------

def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _check_deploy(_production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output
    assert "no issues" in output


def test_check_deploy_warns_without_https(tmp_path):
    env = _production_env(tmp_path)
    del env["KB_HTTPS"]
    result = _check_deploy(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "WARNINGS" in output
    assert "security.W004" in output and "security.W008" in output  # HSTS, SSL redirect
    assert "security.W012" in output and "security.W016" in output  # Secure cookies


PRINT_SETTINGS = """
import json
import kb.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "SECRET_KEY": s.SECRET_KEY, "mailer": s.MAILERS["default"],
    "SECURE_SSL_REDIRECT": getattr(s, "SECURE_SSL_REDIRECT", False),
    "SECURE_HSTS_SECONDS": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "SECURE_PROXY_SSL_HEADER": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "OPTIONS": s.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def _settings(env: dict[str, str]) -> dict:
    result = subprocess.run(  # noqa: S603 (our own interpreter, a fixed snippet)
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_from_the_environment(tmp_path):
    loaded = _settings(_production_env(tmp_path, KB_BEHIND_PROXY="1"))
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == KEY  # from KB_SECRET_KEY_FILE, stripped
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["mailer"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["mailer"]["OPTIONS"]["password"] == "pa@ss"
    assert "journal_mode=WAL" in loaded["OPTIONS"]["init_command"]
    # Without KB_EMAIL_URL, and without HTTPS or a proxy: mail is off, plain HTTP.
    env = _production_env(tmp_path)
    for name in ("KB_EMAIL_URL", "KB_HTTPS"):
        del env[name]
    loaded = _settings(env)
    assert loaded["mailer"] == {"BACKEND": "kb.mail.DisabledEmailBackend"}
    assert loaded["SECURE_SSL_REDIRECT"] is False and loaded["SECURE_PROXY_SSL_HEADER"] is None


# --- secrets and mail ----------------------------------------------------------------------

def test_env_secret_reads_the_variable_or_its_file(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_TEST_SECRET", raising=False)
    monkeypatch.delenv("KB_TEST_SECRET_FILE", raising=False)
    assert env_secret("KB_TEST_SECRET", "fallback") == "fallback"
    monkeypatch.setenv("KB_TEST_SECRET", "from-env")
    assert env_secret("KB_TEST_SECRET") == "from-env"
    secret = tmp_path / "secret"
    secret.write_text("  from-file\n")
    monkeypatch.setenv("KB_TEST_SECRET_FILE", str(secret))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("KB_TEST_SECRET")
    monkeypatch.delenv("KB_TEST_SECRET")
    assert env_secret("KB_TEST_SECRET") == "from-file"
    secret.write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        env_secret("KB_TEST_SECRET")
    monkeypatch.setenv("KB_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("KB_TEST_SECRET")


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://u:p@mail.example.org:2525",
     {"host": "mail.example.org", "port": 2525, "use_tls": False, "use_ssl": False}),
    ("smtp://u:p@mail.example.org?tls=1", {"port": 587, "use_tls": True, "use_ssl": False}),
    ("smtps://u:p@mail.example.org", {"port": 465, "use_tls": False, "use_ssl": True}),
    ("smtp://mail.example.org", {"port": 25, "username": "", "password": ""}),
])
def test_email_url_mailer(url, expected):
    options = email_url_mailer(url)["OPTIONS"]
    assert {k: options[k] for k in expected} == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtps://h?tls=1",
                                 "smtp://h:notaport"])
def test_email_url_mailer_refuses_bad_urls(url):
    with pytest.raises(ImproperlyConfigured, match="KB_EMAIL_URL"):
        email_url_mailer(url)


def test_mail_without_email_url_is_not_sent_and_logged(caplog):
    message = EmailMessage("Review needed", "…", "kb@localhost", ["analyst@example.org"])
    with caplog.at_level(logging.WARNING, logger="kb.mail"):
        assert DisabledEmailBackend(alias="default").send_messages([message]) == 0
    assert "not sent 'Review needed' to analyst@example.org" in caplog.text


# --- the secret key file of make run -----------------------------------------------------

def _secret_key_module():
    spec = importlib.util.spec_from_file_location("secret_key", ROOT / "scripts" / "secret_key.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_secret_key_file_is_made_once_with_mode_0600(tmp_path):
    ensure_secret_key = _secret_key_module().ensure_secret_key
    path = tmp_path / "var" / "secret_key"
    assert ensure_secret_key(path) is True
    key = path.read_text()
    assert len(key.strip()) == 64 and len(set(key.strip())) > 5
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert ensure_secret_key(path) is False  # kept, mode tightened
    assert path.read_text() == key and stat.S_IMODE(path.stat().st_mode) == 0o600


# --- the admin user ------------------------------------------------------------------------

@pytest.mark.django_db
def test_ensure_admin_never_resets_a_changed_password(settings, capsys):
    from django.contrib.auth import get_user_model

    settings.KB_ADMIN_PASSWORD = ""
    call_command("ensure_admin")
    assert "shown only this once" in capsys.readouterr().out
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed-later")
    user.save()
    settings.KB_ADMIN_PASSWORD = "from-the-environment"
    call_command("ensure_admin")
    user.refresh_from_db()
    assert user.check_password("changed-later")
    # A database first set up by make dev keeps admin/admin: make run says so.
    user.set_password("admin")
    user.save()
    call_command("ensure_admin")
    assert "development password" in capsys.readouterr().err


# --- SQLite ----------------------------------------------------------------------------------

@pytest.mark.skipif(connection.vendor == "postgresql",
                    reason="WAL is SQLite's journal mode; PostgreSQL has its own WAL")
def test_sqlite_database_runs_in_wal_mode(tmp_path, django_db_blocker):
    """A connection made with the settings' OPTIONS (the test database itself lives in
    memory, where there is no WAL) on a database file."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict["NAME"] = str(tmp_path / "wal.sqlite3")
    wal = DatabaseWrapper(settings_dict, alias="wal-check")
    try:
        with django_db_blocker.unblock(), wal.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
    finally:
        wal.close()


# --- make run ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (127.0.0.1)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"make run exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(f"make run did not listen on {port} in {timeout} s:\n{log.read_text()[-4000:]}")


@pytest.mark.server
def test_make_run_serves_like_production(tmp_path):
    """``make run`` on a fresh data directory: set up, then gunicorn with DEBUG off. The
    virtualenv is the one running the tests; make is told not to remake it (``-o``), so
    nothing is installed."""
    port = _free_port()
    data = tmp_path / "data"
    log = tmp_path / "make-run.log"
    venv = Path(sys.prefix)
    command = ["make", "--no-print-directory", f"VENV={venv}",
               "-o", f"{venv}/.installed", "-o", f"{venv}/bin/python", "-o", "system-deps",
               "run", f"PORT={port}", f"KB_DATA_DIR={data}"]
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 (make, our own Makefile)
            command, cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_for_port(port, proc, log, timeout=150)
        base = f"http://127.0.0.1:{port}"

        status, headers, body = _get(f"{base}/no-such-page/")
        assert status == 404
        assert headers.get("Server", "").startswith("gunicorn")
        assert 'data-error="404"' in body and "Page not found" in body  # templates/404.html
        assert "DEBUG = True" not in body and "technical" not in body.lower()
        assert "default-src 'self'" in headers["Content-Security-Policy"]

        status, headers, body = _get(f"{base}/static/css/site.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "max-age" in headers.get("Cache-Control", "")  # whitenoise's header

        key_file = data / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text().strip()
        assert len(key) >= 50
        output = log.read_text()
        assert "Created superuser 'admin' with the password" in output
        assert "Booting worker" in output  # gunicorn, not runserver
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # A later run keeps the key: the setup step leaves the file alone, settings read it.
    subprocess.run(  # noqa: S603
        [sys.executable, "scripts/secret_key.py", str(key_file)], cwd=ROOT, check=True,
        capture_output=True, timeout=30)
    assert key_file.read_text().strip() == key
    loaded = _settings(_env(KB_DEBUG="0", KB_DATA_DIR=str(data),
                            KB_SECRET_KEY_FILE=str(key_file)))
    assert loaded["SECRET_KEY"] == key and loaded["DEBUG"] is False
