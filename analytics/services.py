"""Rollup maintenance (placeholder until implemented)."""

from __future__ import annotations

from core.models import OutboxEvent


def handle_response_event(event: OutboxEvent) -> None:
    """Mark the response's organisation-local day dirty so its rollups are rebuilt."""
