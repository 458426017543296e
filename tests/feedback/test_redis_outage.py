"""Ingestion does not depend on Redis: with the broker stopped, responses are still accepted (2xx after
commit), and once it is back the sweeper and a real worker finish the follow-up work, once each."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.db import connection
from django.test import Client

from core import outbox
from core.models import OutboxEvent
from cxplatform.celery import app
from feedback.models import Response
from tests.conftest import wait_for
from tests.factories import InterceptFactory, SiteFactory

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        assert wait_for(lambda: self._ping(client), timeout=10)

    @staticmethod
    def _ping(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def use_broker(url):
    app.conf.broker_url = app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(tmp_path, settings):
    server = RedisServer(tmp_path)
    server.start()
    original = settings.CELERY_BROKER_URL
    use_broker(server.url)
    yield server
    use_broker(original)
    outbox._gate.reset()
    if server.process.poll() is None:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_responses_are_accepted_with_redis_down_and_followed_up_once_it_is_back(live_survey, own_redis):
    site = SiteFactory(organization=live_survey.organization, origins=["https://shop.example"])
    InterceptFactory(site=site, survey=live_survey)
    own_redis.stop()

    ids = [str(uuid.uuid4()) for _ in range(20)]
    statuses = [
        Client()
        .post(
            f"/api/v1/public/{site.public_key}/responses",
            data=json.dumps(
                {"id": client_id, "survey": live_survey.public_id, "answers": {"nps": 9}, "finished": True}
            ),
            content_type="text/plain",
        )
        .status_code
        for client_id in ids
    ]
    stored = Response.all_orgs.filter(client_id__in=ids).count()
    undispatched = OutboxEvent.all_orgs.filter(dispatched_at__isnull=True).count()

    own_redis.start()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cxplatform",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cxplatform.settings.test",
            "TEST_REDIS_URL": own_redis.url,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        swept = outbox.outbox_sweep(now=outbox.timezone.now() + outbox.SWEEP_GRACE * 2)
        done = wait_for(
            lambda: not OutboxEvent.all_orgs.filter(processed_at__isnull=True).exists(), timeout=30
        )
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    time.sleep(0)

    assert (statuses, stored, undispatched) == ([201] * 20, 20, 40)
    assert (swept, done, OutboxEvent.all_orgs.count()) == (40, True, 40)
