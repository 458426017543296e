#!/usr/bin/env bash
# `make run`: provision everything, then run web, worker and beat in the foreground. Ctrl-C stops all,
# including the PostgreSQL and Redis this script started.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Pango (with HarfBuzz) lays out the PDF board report; the CJK fonts let it show Chinese.
ensure_debian_packages gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
ensure_python
ensure_node
ensure_env_file
trap 'stop_services' EXIT
trap 'exit 130' INT TERM
start_postgres
start_redis
ensure_messages

say "Migrating the database"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py collectstatic --no-input -v 0
"$PY" manage.py seed_demo

PORT="${PORT:-8000}"
export PORT
# The `mail` process of the Procfile (the SMTP sink behind EMAIL_URL) listens here.
export CX_MAIL_PORT="$MAIL_PORT"
# Links in emails, snippets and the survey pages point at where this run serves, unless set explicitly.
export SITE_URL="${SITE_URL:-http://localhost:$PORT}"
say "cxplatform is starting on http://localhost:$PORT"
say "Every email it sends is caught by the local SMTP sink (127.0.0.1:$MAIL_PORT): read them at http://localhost:$PORT/dev/mail/"
"$PY" manage.py demo_login_hint --url "http://localhost:$PORT"
# honcho runs the processes (web, worker, beat, mail) and stops them all on Ctrl-C.
"$VENV/bin/honcho" -f Procfile -d "$ROOT" start
