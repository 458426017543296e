"""Celery finds the dashboards' tasks here."""

from dashboards.board import tasks as _board  # noqa: F401
