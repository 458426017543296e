"""The project's one task decorator.

Every task: a stable explicit name, acknowledged late and re-queued if its worker dies, time limits,
and bounded retries with backoff for transient errors only. A row that no longer exists is logged and
dropped (``ObjectDoesNotExist`` is never retried). Tasks must be safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from cxplatform.celery import Queue, app

__all__ = ["Queue", "task"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


def task(
    name: str,
    *,
    queue: Queue = Queue.DEFAULT,
    max_retries: int = 5,
    time_limit: int = 120,
    retry_on: tuple[type[BaseException], ...] = TRANSIENT_ERRORS,
) -> Callable[[F], Any]:
    def decorator(func: F) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ObjectDoesNotExist:
                logger.warning("task %s: row gone, dropped", name, extra={"task_args": repr(args)[:200]})
                return None

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        run.__module__ = func.__module__
        run.__qualname__ = func.__qualname__
        return app.task(  # type: ignore[call-overload]
            run,
            name=name,
            queue=queue.value,
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=retry_on,
            retry_backoff=2,
            retry_backoff_max=300,
            retry_jitter=True,
            max_retries=max_retries,
            time_limit=time_limit,
            soft_time_limit=max(time_limit - 5, 1),
        )

    return decorator


@task("core.outbox_process", queue=Queue.INGEST)
def outbox_process_task(event_ids: list[int]) -> int:
    from core.outbox import outbox_process_many

    return outbox_process_many(event_ids)


@task("core.outbox_sweep", queue=Queue.INGEST, max_retries=0)
def outbox_sweep_task() -> int:
    from core.outbox import outbox_sweep

    return outbox_sweep()
