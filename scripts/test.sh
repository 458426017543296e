#!/usr/bin/env bash
# `make test`: provision like `make run` (plus Chromium for browser tests), then lint, type-check,
# check migrations and run every test against the real PostgreSQL and Redis.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages gettext libpango-1.0-0 libpangoft2-1.0-0 chromium chromium-driver fonts-noto-cjk
ensure_python
ensure_node
trap 'stop_services' EXIT
start_postgres
start_redis
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz}"
ensure_messages

say "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
say "mypy"
"$VENV/bin/mypy" .
say "tsc"
node_modules/.bin/tsc --noEmit -p tsconfig.json
say "makemigrations --check"
DJANGO_SETTINGS_MODULE=cxplatform.settings.test "$PY" manage.py makemigrations --check --dry-run -v 1
say "pytest"
"$VENV/bin/pytest" "$@"
