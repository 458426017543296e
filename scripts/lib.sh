# Shared provisioning steps for `make run` and `make test`. Sourced, not executed.
# Each step is idempotent and cheap when nothing changed, so a second `make run` starts quickly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
PG_PORT="${CX_PG_PORT:-55432}"
REDIS_PORT="${CX_REDIS_PORT:-56379}"
MAIL_PORT="${CX_MAIL_PORT:-51025}"
mkdir -p "$VAR/log"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = "0" ]; }
file_hash() { { cat "$@" 2>/dev/null || true; } | sha256sum | cut -c1-16; }
# pip prints a warning for each package about find-links folders of this machine's pip config that do
# not exist; keep the output readable and the exit status of pip itself.
pip_quiet() { "$PY" -m pip "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; return "${PIPESTATUS[0]}"; }

# Debian packages this project needs from the machine. Installed when running as root; otherwise the
# exact command is printed.
ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root; then
    say "Installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing Debian packages; run: sudo apt-get install -y ${missing[*]}"
  fi
}

ensure_python() {
  command -v python3.11 >/dev/null || die "Python 3.11 is required (python3.11 not found on PATH)"
  if [ ! -x "$PY" ]; then
    say "Creating the virtualenv in .venv"
    python3.11 -m venv "$VENV"
  fi
  local want; want="$(file_hash "$ROOT/requirements.lock")"
  if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]; then
    say "Installing Python dependencies (requirements.lock)"
    pip_quiet install -q --disable-pip-version-check -r "$ROOT/requirements.lock"
    echo "$want" > "$VENV/.installed"
  fi
}

ensure_node() {
  command -v npm >/dev/null || die "Node.js 20 with npm is required"
  local want; want="$(file_hash "$ROOT/package-lock.json" "$ROOT/package.json")"
  if [ ! -d "$ROOT/node_modules" ] || [ "$(cat "$ROOT/node_modules/.installed" 2>/dev/null)" != "$want" ]; then
    say "Installing front-end dependencies (package-lock.json)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$ROOT/node_modules/.installed"
  fi
  say "Building front-end assets"
  (cd "$ROOT" && node scripts/build_assets.mjs)
}

ensure_messages() {
  compgen -G "$ROOT/locale/*/LC_MESSAGES/*.po" >/dev/null || return 0
  local want; want="$(file_hash "$ROOT"/locale/*/LC_MESSAGES/*.po)"
  if [ "$(cat "$VAR/.messages" 2>/dev/null)" != "$want" ]; then
    say "Compiling translations"
    (cd "$ROOT" && "$PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules)
    echo "$want" > "$VAR/.messages"
  fi
}

# --- PostgreSQL: a project-local cluster in var/pg unless DATABASE_URL is set -------------------------
PG_STARTED=0
pg_as() {
  # PostgreSQL refuses to run as root; use its own system user then.
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then return 0; fi
  command -v initdb >/dev/null || die "PostgreSQL 15 binaries (initdb, pg_ctl) must be on PATH"
  local data="$VAR/pg" sock="$VAR/pgsock"
  mkdir -p "$sock"
  if is_root; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$sock" "$VAR/log"
  fi
  if [ ! -s "$data/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in var/pg"
    mkdir -p "$data"
    is_root && chown postgres "$data"
    pg_as initdb -D "$data" -U cx --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! pg_as pg_ctl -D "$data" status >/dev/null 2>&1; then
    say "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_as pg_ctl -D "$data" -l "$VAR/log/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
      || { tail -20 "$VAR/log/postgres.log"; die "PostgreSQL did not start"; }
    PG_STARTED=1
  fi
  local db="${CX_PG_DB:-cxplatform}"
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U cx -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    createdb -h 127.0.0.1 -p "$PG_PORT" -U cx "$db"
  fi
  export DATABASE_URL="postgres://cx@127.0.0.1:$PG_PORT/$db"
  remember_service_url DATABASE_URL "$DATABASE_URL"
}

# var/services.env records where the local services listen, for running manage.py or pytest by hand:
#   set -a; source var/services.env; set +a
remember_service_url() {
  touch "$VAR/services.env"
  grep -v "^$1=" "$VAR/services.env" > "$VAR/services.env.tmp" || true
  echo "$1=$2" >> "$VAR/services.env.tmp"
  mv "$VAR/services.env.tmp" "$VAR/services.env"
}

stop_postgres() {
  if [ "$PG_STARTED" = "1" ]; then
    pg_as pg_ctl -D "$VAR/pg" -m fast -w stop >/dev/null 2>&1 || true
    PG_STARTED=0
  fi
}

# --- Redis: a project-local server unless REDIS_URL is set ---------------------------------------------
REDIS_STARTED=0
start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then return 0; fi
  if ! command -v redis-server >/dev/null; then
    if is_root; then ensure_debian_packages redis-server; else
      die "Redis is required; run: sudo apt-get install -y redis-server (or set REDIS_URL)"; fi
  fi
  mkdir -p "$VAR/redis"
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "Starting Redis on 127.0.0.1:$REDIS_PORT"
    # AOF with fsync every second and no eviction: queued work survives a crash and is never dropped.
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$VAR/redis" --daemonize yes \
      --pidfile "$VAR/redis/redis.pid" --logfile "$VAR/log/redis.log" \
      --appendonly yes --appendfsync everysec --maxmemory-policy noeviction --save "" >/dev/null
    local i
    for i in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "Redis did not start (see var/log/redis.log)"
    REDIS_STARTED=1
  fi
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  remember_service_url REDIS_URL "$REDIS_URL"
}

stop_redis() {
  if [ "$REDIS_STARTED" = "1" ]; then
    redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
    REDIS_STARTED=0
  fi
}

stop_services() { stop_redis; stop_postgres; }

ensure_env_file() {
  if [ ! -f "$ROOT/.env" ]; then
    say "Writing .env for local development (edit it to change settings; see .env.example)"
    local secret; secret="$(python3.11 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    cat > "$ROOT/.env" <<ENV
DJANGO_SECRET_KEY=$secret
DJANGO_DEBUG=true
LOG_FORMAT=console
ACCOUNT_EMAIL_VERIFICATION=optional
ENV
  fi
  ensure_mail_env
}

# Email in development goes to the local SMTP sink (Procfile `mail`) and shows at /dev/mail/, where a
# customer's reply can be sent back into its ticket. Added to a .env written before these existed; a
# line already there (even one you changed) is left alone.
ensure_mail_env() {
  local added=()
  env_line_ensure EMAIL_URL "smtp://127.0.0.1:$MAIL_PORT" && added+=(EMAIL_URL)
  env_line_ensure DEV_MAILBOX_DIR "var/mail" && added+=(DEV_MAILBOX_DIR)
  env_line_ensure INBOUND_EMAIL_SECRET "$(python3.11 -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    && added+=(INBOUND_EMAIL_SECRET)
  if [ ${#added[@]} -gt 0 ]; then say "Added to .env for the development mailbox: ${added[*]}"; fi
  mkdir -p "$VAR/mail"
}

# Appends NAME=value to .env unless NAME is set there already; succeeds only when it appended.
env_line_ensure() {
  if grep -q "^$1=" "$ROOT/.env"; then return 1; fi
  echo "$1=$2" >> "$ROOT/.env"
}
