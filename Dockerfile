# syntax=docker/dockerfile:1
# One image for every process of cxplatform: web (the default command), worker, beat and the one-shot
# migrate of docker-compose.yml. Build: docker build -t cxplatform .

# --- Front-end assets: built with Node, only the output is kept --------------------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# The build writes into the source tree (static/build/ and the apps' static folders); node_modules is
# only needed while building.
RUN node scripts/build_assets.mjs && rm -rf node_modules

# --- The application --------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=cxplatform.settings \
    WEB_CONCURRENCY=3
WORKDIR /app

# gettext provides msgfmt for compilemessages; Pango and the CJK fonts lay out the PDF board report.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin cx

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --from=assets /app /app

# The settings refuse to load without these; nothing connects to them while building.
RUN export DJANGO_SECRET_KEY=image-build-only DATABASE_URL=postgres://build@localhost/build \
        REDIS_URL=redis://localhost:6379/0 DJANGO_DEBUG=false LOG_FORMAT=console \
    && mkdir -p locale \
    && python manage.py compilemessages -v 0 --ignore=node_modules \
    && python manage.py collectstatic --no-input -v 0 \
    && mkdir -p var/media var/beat \
    && chown -R cx:cx var

USER cx
EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it). Override any option with GUNICORN_CMD_ARGS.
CMD ["gunicorn", "cxplatform.wsgi", "--bind", "0.0.0.0:8000", "--threads", "4", "--access-logfile", "-", \
     "--graceful-timeout", "30", "--timeout", "60"]
