#!/usr/bin/env bash
# The whole suite: the fast tests on SQLite and on PostgreSQL, and the slow families
# (schemathesis, browser, Celery worker, server) once, on PostgreSQL. Says loudly what it had to skip. Under CI=true a missing PostgreSQL, Redis or
# Chromium fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTEST=.venv/bin/pytest
PG_URL=${KB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
BROKER=${KB_TEST_BROKER_URL:-redis://127.0.0.1:6379/0}
export KB_TEST_BROKER_URL=$BROKER
missing=()

pg_ok() { .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"] or None,
                    dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"    ({exc})", file=sys.stderr); sys.exit(1)
PY
}
redis_ok() { .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()" "$BROKER" 2>/dev/null; }

redis_ok || missing+=("Redis at $BROKER (real-Celery-worker tests)")
command -v chromium >/dev/null 2>&1 || missing+=("chromium (browser tests)")

status=0
if pg_ok; then
  # Three runs that share nothing (own database, own temporary directories, own search
  # indexes) run side by side on the two cores: the fast tests on SQLite, the fast tests
  # on PostgreSQL, and the slow families once, on a second PostgreSQL database. Run one
  # after the other, the PostgreSQL leg alone took 32 of CI's 40 minutes.
  logs=$(mktemp -d)
  PG_SLOW_URL=${KB_TEST_SLOW_DATABASE_URL:-${PG_URL%/*}/kbslow}
  echo "=== Suite on SQLite and on PostgreSQL ($PG_URL) without the slow families, and the"
  echo "=== slow families once on PostgreSQL ($PG_SLOW_URL), side by side; logs follow ==="
  $PYTEST -q -rs -m "not slow_family" -p no:cacheprovider --basetemp="$logs/sqlite-tmp" \
    >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  KB_DATABASE_URL=$PG_SLOW_URL $PYTEST -q -rs -m slow_family -p no:cacheprovider \
    --basetemp="$logs/slow-tmp" >"$logs/slow.log" 2>&1 &
  slow_pid=$!
  KB_DATABASE_URL=$PG_URL $PYTEST -q -rs -m "not slow_family" -p no:cacheprovider \
    --basetemp="$logs/pg-tmp" >"$logs/postgres.log" 2>&1
  pg_status=$?
  wait $sqlite_pid
  sqlite_status=$?
  wait $slow_pid
  slow_status=$?
  echo "=== Suite on SQLite (slow families deselected: they run once, on PostgreSQL) ==="
  cat "$logs/sqlite.log"
  echo "=== Suite on PostgreSQL ($PG_URL), slow families deselected ==="
  cat "$logs/postgres.log"
  echo "=== Slow families (schemathesis, browser, Celery worker, server) on PostgreSQL ($PG_SLOW_URL) ==="
  cat "$logs/slow.log"
  [ $sqlite_status -eq 0 ] || status=1
  [ $pg_status -eq 0 ] || status=1
  [ $slow_status -eq 0 ] || status=1
  rm -rf "$logs"
else
  missing+=("PostgreSQL at $PG_URL (second run of the suite; slow families ran on SQLite)")
  echo "=== Suite on SQLite (no PostgreSQL here: slow families run on SQLite) ==="
  $PYTEST -q -rs || status=1
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo
  echo "######################################################################"
  echo "#  SKIPPED — this machine lacks:"
  for m in "${missing[@]}"; do echo "#   - $m"; done
  echo "######################################################################"
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: every part is required; failing." >&2
    status=1
  fi
fi
exit $status
