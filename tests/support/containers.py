"""``LMS_TEST_INFRA=containers``: the four servers from testcontainers instead of PyPI wheels.

Needs a Docker engine (none runs on the development machines this project is built on, so this path
is exercised wherever one exists: a developer laptop, a CI runner with Docker). Our own processes
still run from the launcher, pointed at the containers through ``env``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from testcontainers.community.minio import MinioContainer
from testcontainers.community.nats import NatsContainer
from testcontainers.community.postgres import PostgresContainer
from testcontainers.community.redis import RedisContainer

IMAGES = {
    "postgres": "postgres:17-alpine",
    "redis": "valkey/valkey:8-alpine",
    "nats": "nats:2.11-alpine",
    "minio": "minio/minio:RELEASE.2025-04-22T22-12-26Z",
}


@dataclass
class Containers:
    env: dict[str, str]
    running: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for c in reversed(self.running):
            c.stop()


def start_containers() -> Containers:
    """Start Postgres, Valkey, NATS (JetStream) and MinIO; return the ``LMS_*`` variables for them."""
    password = secrets.token_urlsafe(16)
    s3_secret = secrets.token_urlsafe(24)
    pg = PostgresContainer(IMAGES["postgres"], username="postgres", password=password, dbname="postgres")
    redis = RedisContainer(IMAGES["redis"])
    nats = NatsContainer(IMAGES["nats"], jetstream=True)
    minio = MinioContainer(IMAGES["minio"], access_key="kentbilim", secret_key=s3_secret)
    started = Containers(env={})
    try:
        for c in (pg, redis, nats, minio):
            c.start()
            started.running.append(c)
    except Exception:
        started.stop()
        raise
    host, port = pg.get_container_host_ip(), pg.get_exposed_port(5432)
    db = f"postgresql+asyncpg://postgres:{password}@{host}:{port}"
    started.env = {
        "LMS_COURSES_DATABASE_URL": f"{db}/courses",
        "LMS_PROGRESS_DATABASE_URL": f"{db}/progress",
        "LMS_CERTIFICATES_DATABASE_URL": f"{db}/certificates",
        "LMS_REDIS_URL": f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}/0",
        "LMS_NATS_URL": nats.nats_uri(),
        "LMS_S3_ENDPOINT": minio.get_config()["endpoint"],
        "LMS_S3_ACCESS_KEY": "kentbilim",
        "LMS_S3_SECRET_KEY": s3_secret,
        "LMS_S3_SECURE": "false",
    }
    return started
