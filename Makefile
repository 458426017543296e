.PHONY: run test lint fmt bench chaos messages lock help

help:
	@echo "make run    start the whole platform with demo data (web, worker, beat, PostgreSQL, Redis)"
	@echo "make test   run every test, plus ruff, mypy and makemigrations --check"
	@echo "make lint   ruff and mypy only"
	@echo "make bench  run the benchmarks and record them in docs/benchmarks.md"
	@echo "make chaos  100 responses/s for 5 min while processes and services are killed; recorded in docs/benchmarks.md"
	@echo "make fmt    format the code"
	@echo "make messages  extract translatable strings into locale/*/LC_MESSAGES/django.po"
	@echo "make lock   re-pin requirements.lock from requirements*.in"

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

bench:
	@bash scripts/bench.sh

chaos:
	@bash scripts/chaos.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .

fmt:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

messages:
	.venv/bin/python manage.py makemessages -l ru -l zh_Hans -l id --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench --no-obsolete
	.venv/bin/python manage.py makemessages -d djangojs -l ru -l zh_Hans -l id --ignore=.venv --ignore=node_modules --ignore=var --ignore=static --no-obsolete

lock:
	python3.11 -m venv var/lockenv && var/lockenv/bin/pip install -q -r requirements.in -r requirements-dev.in && var/lockenv/bin/pip freeze --exclude-editable > requirements.lock && rm -rf var/lockenv
