#!/usr/bin/env bash
# `make chaos`: load with faults (bench/chaos.py). Provisions Python and redis-server, then runs the
# benchmark through bench/run_all.py so that its section of docs/benchmarks.md is rewritten; fails when a
# target is missed. bench/chaos.py starts its own PostgreSQL cluster and Redis in var/chaos on free ports
# of 127.0.0.1 and stops them itself: the shared var/pg cluster and Redis are not started nor touched.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_python
command -v initdb >/dev/null || die "PostgreSQL 15 binaries (initdb, pg_ctl) must be on PATH"
if ! command -v redis-server >/dev/null; then
  if is_root; then ensure_debian_packages redis-server; else
    die "Redis is required; run: sudo apt-get install -y redis-server"; fi
fi
if is_root; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz}"
say "Load with faults for ${CHAOS_SECONDS:-300} s (CHAOS_SECONDS), then the checks; logs in var/chaos/run/logs"
"$PY" bench/run_all.py --only chaos --strict
