#!/usr/bin/env bash
# `make bench`: provision like `make test`, then run every benchmark in bench/ and rewrite the table in
# docs/benchmarks.md. Loopback only; every run is bounded in time and stops by itself.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_debian_packages libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
ensure_python
ensure_node
trap 'stop_services' EXIT
start_postgres
start_redis
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz}"
"$PY" bench/run_all.py "$@"
