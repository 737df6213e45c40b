"""Helpers for tests that need a real outside part (Redis, Chromium, PostgreSQL)."""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str) -> None:
    """Skip loudly when ``what`` is missing here; under CI=true, fail instead."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI requires {what}, and it is not available", pytrace=False)
    pytest.skip(f"NOT TESTED: {what} is not available on this machine")


def redis_reachable(url: str) -> bool:
    """Whether a Redis server answers at ``url`` (for the real-worker tests)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError:
        return False
    return True
