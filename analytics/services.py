"""Rollup maintenance: dirty marks from the outbox, set-based rebuilds of organisation-local days.

A day's rollup rows (``DailyRollup``, ``DailyFacet``) are always rebuilt together from the raw responses
by one DELETE and one INSERT … SELECT per table, in one transaction, so a rebuild is idempotent and
two rebuilds of the same day serialise on an advisory lock. The outbox handler marks the response's day
dirty (``RollupDirtyDay``, its version grows with every mark) and asks for a flush after commit; beat
runs the flush every few seconds as well, so a lost hand-off only delays the numbers.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from accounts.models import Organization
from analytics.metrics import TALLY_FIELDS
from analytics.models import RollupDirtyDay
from analytics.selectors import local_midnight, org_zone, response_source_sql
from analytics.sql import TALLY_SELECT, facet_params, facet_sql
from core.models import OutboxEvent
from feedback.models import Response

logger = logging.getLogger(__name__)

# The whole-organisation lock (a rebuild of every day) takes this one-key advisory lock exclusively and
# every day rebuild takes it shared; a day rebuild also takes the two-key lock (organisation, day).
_ORG_LOCK_BASE = 0x524F4C4C << 32  # "ROLL"
_DIMS = ("survey_id", "touchpoint_id", "channel", "language")
_FLUSH_KICK_INTERVAL = 1.0


def _org_lock_key(organization_id: int) -> int:
    return _ORG_LOCK_BASE + organization_id


def day_bounds(organization: Organization, day: date) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of an organisation-local day (23 or 25 hours around DST)."""
    zone = org_zone(organization)
    return local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)


def _insert_rows(organization: Organization, src: str, params: tuple[Any, ...]) -> None:
    """INSERT … SELECT the rollup and facet rows of the responses in ``src``, per local day."""
    dims = ", ".join(f"r.{d}" for d in _DIMS)
    fields = ", ".join(TALLY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO analytics_dailyrollup (organization_id, day, {', '.join(_DIMS)}, {fields}) "  # noqa: S608
            f"SELECT %s, r.r_day, {dims}, {TALLY_SELECT} FROM ({src}) r GROUP BY r.r_day, {dims}",
            (organization.pk, *params),
        )
        kinds = ("answered", "answer", "theme")
        facets = facet_sql(src_sql=src, dims=["r.r_day", *(f"r.{d}" for d in _DIMS)], kinds=kinds)
        cursor.execute(
            f"INSERT INTO analytics_dailyfacet (organization_id, day, {', '.join(_DIMS)}, "  # noqa: S608
            f"kind, key, value, count) SELECT %s, f.* FROM ({facets}) f",
            (organization.pk, *facet_params(organization_id=organization.pk, src_params=params, kinds=kinds)),
        )


def _rebuild_day_locked(organization: Organization, day: date) -> None:
    start, end = day_bounds(organization, day)
    with connection.cursor() as cursor:
        for table in ("analytics_dailyrollup", "analytics_dailyfacet"):
            cursor.execute(
                f"DELETE FROM {table} WHERE organization_id = %s AND day = %s",  # noqa: S608
                (organization.pk, day),
            )
    qs = Response.all_orgs.filter(
        organization_id=organization.pk, received_at__gte=start, received_at__lt=end
    )
    src, params = response_source_sql(organization, qs, with_stage=False, day=day)
    _insert_rows(organization, src, params)


@transaction.atomic
def rollups_rebuild_day(*, organization: Organization, day: date) -> None:
    """Replace the rollup rows of one organisation-local day with those computed from its responses."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", (_org_lock_key(organization.pk),))
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (organization.pk, day.toordinal()))
    _rebuild_day_locked(organization, day)


@transaction.atomic
def rollups_rebuild(*, organization: Organization) -> int:
    """Rebuild every day of the organisation in a few set-based statements. Returns the days that have
    rollups. Clears the dirty marks that were not renewed meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_org_lock_key(organization.pk),))
        cursor.execute("SET LOCAL work_mem = '256MB'")
        marks = list(
            RollupDirtyDay.all_orgs.filter(organization_id=organization.pk).values_list("pk", "version")
        )
        for table in ("analytics_dailyrollup", "analytics_dailyfacet"):
            cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", (organization.pk,))  # noqa: S608
        qs = Response.all_orgs.filter(organization_id=organization.pk)
        src, params = response_source_sql(organization, qs, with_stage=False)
        _insert_rows(organization, src, params)
        for pk, version in marks:
            RollupDirtyDay.all_orgs.filter(pk=pk, version=version).delete()
        cursor.execute(
            "SELECT count(DISTINCT day) FROM analytics_dailyrollup WHERE organization_id = %s",
            (organization.pk,),
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@transaction.atomic
def rollups_mark_dirty(*, organization_id: int, days: Iterable[date]) -> None:
    """Record that these days changed since their last rebuild (upsert, version += 1)."""
    unique = sorted(set(days))  # a fixed order, so that two markers cannot deadlock
    if not unique:
        return
    values = ", ".join(["(%s, %s, 1, now())"] * len(unique))
    params: list[Any] = []
    for day in unique:
        params += [organization_id, day]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO analytics_rollupdirtyday (organization_id, day, version, marked_at) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (organization_id, day) "
            "DO UPDATE SET version = analytics_rollupdirtyday.version + 1",
            params,
        )


def _local_day(organization: Organization, response: Response) -> date:
    return response.received_at.astimezone(org_zone(organization)).date()


def rollups_mark_response(*, response: Response) -> None:
    """Mark the organisation-local day of the response dirty."""
    organization = Organization.objects.get(pk=response.organization_id)
    rollups_mark_dirty(organization_id=organization.pk, days=[_local_day(organization, response)])


def _rebuild_claimed(organization: Organization, mark_id: int, day: date) -> bool:
    """Rebuild a dirty day unless another worker is rebuilding it, then drop its mark if no newer mark
    arrived meanwhile. Returns whether this call rebuilt it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock_shared(%s) AND pg_try_advisory_xact_lock(%s, %s)",
            (_org_lock_key(organization.pk), organization.pk, day.toordinal()),
        )
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        version = RollupDirtyDay.all_orgs.filter(pk=mark_id).values_list("version", flat=True).first()
        if version is None:
            return False  # flushed by another worker since it was listed
        _rebuild_day_locked(organization, day)
        # A mark made while the day was being rebuilt raised the version: it stays for the next flush.
        RollupDirtyDay.all_orgs.filter(pk=mark_id, version=version).delete()
    return True


def rollups_flush(*, limit: int = 200) -> int:
    """Rebuild up to ``limit`` dirty days, oldest mark first; days another worker holds are skipped.
    Returns the days rebuilt. Each day is its own transaction."""
    marks = list(
        RollupDirtyDay.all_orgs.order_by("marked_at", "pk").values_list("pk", "organization_id", "day")[
            :limit
        ]
    )
    organizations = Organization.objects.in_bulk({org_id for _pk, org_id, _day in marks})
    rebuilt = 0
    for mark_id, organization_id, day in marks:
        organization = organizations.get(organization_id)
        if organization is not None and _rebuild_claimed(organization, mark_id, day):
            rebuilt += 1
    return rebuilt


class _Debounce:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = float("-inf")
        self._lock = threading.Lock()

    def ready(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.interval:
                return False
            self._last = now
            return True


_flush_kicks = _Debounce(_FLUSH_KICK_INTERVAL)


def _kick_flush() -> None:
    """Ask a worker to flush soon. Never raises: beat runs the flush every few seconds anyway. At most
    one request per second per process, so that a burst of events does not queue a burst of flushes."""
    if not _flush_kicks.ready():
        return
    from analytics.tasks import rollups_flush_task

    try:
        rollups_flush_task.apply_async(retry=False)
    except Exception:
        logger.warning("analytics: could not queue a rollup flush; beat will run it")


# Marks the organisation-local day of one response dirty in one statement: the day is computed by
# PostgreSQL from ``received_at`` in the organisation's zone, so the handler reads neither the response
# nor the organisation (two round trips per event on the worker's hot path).
_DIRTY_TABLE = RollupDirtyDay._meta.db_table
# Table names from the models, values as parameters.
_MARK_RESPONSE_DAY_SQL = (
    f"INSERT INTO {_DIRTY_TABLE} (organization_id, day, version, marked_at) "  # noqa: S608
    "SELECT r.organization_id, (r.received_at AT TIME ZONE %s)::date, 1, now() "
    f"FROM {Response._meta.db_table} r WHERE r.id = %s AND r.organization_id = %s "
    f"ON CONFLICT (organization_id, day) DO UPDATE SET version = {_DIRTY_TABLE}.version + 1"
)


@functools.cache
def _database_zones() -> frozenset[str]:
    """The time zone names PostgreSQL knows (its tz database may lag Python's), read once per process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_timezone_names")
        return frozenset(name for (name,) in cursor.fetchall())


def _mark_response_day(organization: Organization, response_id: int) -> bool:
    """Mark the local day of the response dirty; False when the response is gone."""
    zone = org_zone(organization)
    if zone.key not in _database_zones():
        received_at = (
            Response.all_orgs.filter(organization_id=organization.pk, pk=response_id)
            .values_list("received_at", flat=True)
            .first()
        )
        if received_at is None:
            return False
        rollups_mark_dirty(organization_id=organization.pk, days=[received_at.astimezone(zone).date()])
        return True
    with connection.cursor() as cursor:
        cursor.execute(_MARK_RESPONSE_DAY_SQL, (zone.key, response_id, organization.pk))
        return cursor.rowcount > 0


def handle_response_event(event: OutboxEvent) -> None:
    """Outbox handler: mark the day of ``{"response_id"}`` (skipped when the response is gone) or the
    ``{"organization_id", "day"}`` of a deletion dirty, and ask for a flush after commit."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    # The outbox loads the event with its organisation; a query only when a caller did not.
    organization = (
        event.organization
        if type(event).organization.is_cached(event)
        else Organization.objects.filter(pk=event.organization_id).first()
    )
    if organization is None:
        return
    response_id = payload.get("response_id")
    if isinstance(response_id, int) and not isinstance(response_id, bool):
        if not _mark_response_day(organization, response_id):
            return
    elif isinstance(payload.get("day"), str):
        try:
            day = date.fromisoformat(payload["day"])
        except ValueError:
            logger.warning("analytics: event %s has a malformed day %r", event.pk, payload["day"])
            return
        rollups_mark_dirty(organization_id=organization.pk, days=[day])
    else:
        return
    transaction.on_commit(_kick_flush)
