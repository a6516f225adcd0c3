"""The embedded local stack, for real: every server on random ports in a temporary folder.

Checks that each server speaks its protocol, binds only to loopback, keeps its data across a
restart, that a crashed launcher's servers are reused, that roles scale and get supervised, and
that nothing survives ``stop()``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import psutil
import pytest
from minio import Minio

from lms_local import RoleSpec, RoleUnavailable, Stack
from lms_local.config import DATABASES, random_ports
from lms_local.procs import group_members
from lms_local.tokens import make_claims, mint_token

TESTS_DIR = Path(__file__).resolve().parent
LOCAL_DIR = TESTS_DIR.parent

BUCKET = "probe-bucket"
NAME = "Aygün Məmmədova"
SECRET = "a-test-secret-that-is-at-least-32-bytes-long"


# --------------------------------------------------------------------------------------------------
# helpers


def _assert_gone(pids: list[int]) -> None:
    """No process (nor anything in its process group) from ``pids`` is left."""
    deadline = time.monotonic() + 5
    while True:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        stragglers = [m for p in pids for m in group_members(p)]
        if not alive and not stragglers:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still running after stop(): leaders {alive}, group members {stragglers}")
        time.sleep(0.1)


def _listening(pid: int) -> set[tuple[str, int]]:
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    found = set()
    for p in procs:
        for c in p.net_connections(kind="inet"):
            if c.status == psutil.CONN_LISTEN:
                found.add((c.laddr.ip, c.laddr.port))
    return found


def _pg(stack: Stack, db: str, *queries: tuple[str, tuple[object, ...]]) -> list[object]:
    import asyncpg

    async def run() -> list[object]:
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{stack.ports['pg']}/{db}")
        try:
            return [await conn.fetchval(q, *args) for q, args in queries]
        finally:
            await conn.close()

    return asyncio.run(run())


def _minio(stack: Stack, secret: str | None = None) -> Minio:

    return Minio(
        stack.env["LMS_S3_ENDPOINT"],
        access_key=stack.env["LMS_S3_ACCESS_KEY"],
        secret_key=secret or stack.env["LMS_S3_SECRET_KEY"],
        secure=False,
    )


# --------------------------------------------------------------------------------------------------
# infrastructure


def _write_probe_data(stack: Stack) -> None:
    # Postgres: the three databases, Unicode text semantics, a row that must survive.
    dbs = _pg(stack, "postgres", ("SELECT array_agg(datname::text) FROM pg_database", ()))[0]
    assert isinstance(dbs, list) and set(DATABASES) <= set(dbs)
    upper, lower_i, _ = _pg(
        stack,
        "courses",
        ("SELECT upper($1::text)", ("ə",)),
        ("SELECT lower('I')", ()),  # no Turkish dotless-i from any machine locale
        ("CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY, name text NOT NULL)", ()),
    )
    assert (upper, lower_i) == ("Ə", "i")
    _pg(stack, "courses", ("INSERT INTO probe VALUES (1, $1)", (NAME,)))

    # Valkey
    import redis

    r = redis.Redis.from_url(stack.env["LMS_REDIS_URL"])
    assert r.set("probe", NAME.encode()) and r.get("probe") == NAME.encode()
    r.close()

    # NATS JetStream
    async def js_write() -> None:
        import nats

        nc = await nats.connect(stack.env["LMS_NATS_URL"])
        js = nc.jetstream()
        await js.add_stream(name="PROBE", subjects=["probe.>"])
        ack = await js.publish("probe.one", NAME.encode(), headers={"Nats-Msg-Id": "m-1"})
        dup = await js.publish("probe.one", NAME.encode(), headers={"Nats-Msg-Id": "m-1"})
        assert ack.seq == 1 and dup.duplicate  # de-duplication by Nats-Msg-Id works
        await nc.close()

    asyncio.run(js_write())

    # S3: bucket, object, presigned GET fetched without credentials, wrong key rejected.
    from minio.error import S3Error

    s3 = _minio(stack)
    s3.make_bucket(BUCKET)
    body = NAME.encode()
    s3.put_object(BUCKET, "certs/c1.txt", io.BytesIO(body), len(body), content_type="text/plain")
    url = s3.presigned_get_object(BUCKET, "certs/c1.txt", expires=dt.timedelta(minutes=5))
    fetched = httpx.get(url, trust_env=False)
    assert fetched.status_code == 200 and fetched.content == body
    assert httpx.get(url.replace("c1.txt", "c2.txt"), trust_env=False).status_code == 403  # tampered
    endpoint = stack.env["LMS_S3_ENDPOINT"]
    assert httpx.get(f"http://{endpoint}/{BUCKET}/certs/c1.txt", trust_env=False).status_code == 403  # anonymous
    with pytest.raises(S3Error) as bad:
        _minio(stack, secret="not-the-secret").list_buckets()
    assert bad.value.code == "SignatureDoesNotMatch"


def _read_probe_data(stack: Stack) -> None:
    assert _pg(stack, "courses", ("SELECT name FROM probe WHERE id = 1", ())) == [NAME]

    import redis

    r = redis.Redis.from_url(stack.env["LMS_REDIS_URL"])
    assert r.get("probe") == NAME.encode()
    r.close()

    async def js_read() -> None:
        import nats

        nc = await nats.connect(stack.env["LMS_NATS_URL"])
        js = nc.jetstream()
        msg = await js.get_msg("PROBE", seq=1)
        assert msg.data == NAME.encode()
        # The de-duplication window survives too: re-sending the same id is still a duplicate.
        assert (await js.publish("probe.one", b"again", headers={"Nats-Msg-Id": "m-1"})).duplicate
        await nc.close()

    asyncio.run(js_read())

    assert _minio(stack).get_object(BUCKET, "certs/c1.txt").read() == NAME.encode()


@pytest.mark.integration
def test_infra_works_binds_loopback_and_keeps_data_across_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "lms"
    ports = random_ports()
    stack = Stack(data_dir, ports=ports)
    try:
        stack.start_infra(timeout=60)
        leaders = [p.pid for p in stack.procs if p.pid]
        assert len(leaders) == 5  # postgres, valkey, nats, seaweedfs and the development mail server

        # Every listener of every server is on 127.0.0.1, on exactly the ports we pinned.
        expected = {
            "postgres": {ports["pg"]},
            "redis": {ports["redis"]},
            "nats": {ports["nats"], ports["nats_monitor"]},
            "s3": {ports[k] for k in ports if k.startswith("s3")},
            "mail": {ports["smtp"]},
        }
        for proc in stack.procs:
            assert proc.pid is not None
            listening = _listening(proc.pid)
            assert {ip for ip, _ in listening} == {"127.0.0.1"}, (proc.name, listening)
            assert {port for _, port in listening} == expected[proc.name], proc.name
        assert len(expected["s3"]) == 8

        if os.geteuid() == 0:  # postgres refuses root; the launcher drops to a system account
            pg_pid = stack.procs[[p.name for p in stack.procs].index("postgres")].pid
            assert psutil.Process(pg_pid).username() != "root"

        sysid = _pg(stack, "postgres", ("SELECT system_identifier FROM pg_control_system()", ()))[0]
        _write_probe_data(stack)
        secrets_before = json.loads((data_dir / "secrets.json").read_text())
        assert (data_dir / "secrets.json").stat().st_mode & 0o777 == 0o600
    finally:
        stack.stop()
    _assert_gone(leaders)

    # Second run on the same folder: same cluster (no initdb), same secrets, all data still there.
    stack2 = Stack(data_dir, ports=ports)
    try:
        stack2.start_infra(timeout=60)
        leaders2 = [p.pid for p in stack2.procs if p.pid]
        assert json.loads((data_dir / "secrets.json").read_text()) == secrets_before
        assert stack2.env["LMS_JWT_SECRET"] == secrets_before["LMS_JWT_SECRET"]
        assert _pg(stack2, "postgres", ("SELECT system_identifier FROM pg_control_system()", ()))[0] == sysid
        _read_probe_data(stack2)
    finally:
        stack2.stop()
    _assert_gone(leaders2)


_CRASHING_LAUNCHER = """
import json, sys
from lms_local import Stack
stack = Stack(sys.argv[1], ports=json.loads(sys.argv[2]))
stack.start_infra(timeout=60)
print(json.dumps({p.name: p.pid for p in stack.procs}), flush=True)
sys.stdin.read()  # wait to be SIGKILLed
"""


@pytest.mark.integration
def test_servers_of_a_crashed_launcher_are_reused_then_stopped(tmp_path: Path) -> None:
    data_dir = tmp_path / "lms"
    ports = random_ports()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(LOCAL_DIR), os.environ.get("PYTHONPATH", "")])}
    launcher = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_LAUNCHER, str(data_dir), json.dumps(ports)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert launcher.stdout is not None
        old = json.loads(launcher.stdout.readline())
    finally:
        launcher.kill()  # the launcher dies; its servers (own sessions) keep running
        launcher.wait()
    assert all(psutil.pid_exists(pid) for pid in old.values())

    stack = Stack(data_dir, ports=ports)
    try:
        stack.start_infra(timeout=60)
        assert {p.name: p.pid for p in stack.procs} == old  # healthy, right ports: reused as they are
        assert all(p.adopted for p in stack.procs)
        assert stack.health() == dict.fromkeys(old, True)
    finally:
        stack.stop()
    _assert_gone(list(old.values()))
    assert not list((data_dir / "run").glob("*.json"))


# --------------------------------------------------------------------------------------------------
# roles (a fake module: the launcher must not depend on the services being written)


def _fake_roles() -> dict[str, RoleSpec]:
    return {
        "web": RoleSpec("web", "lms_fake_role", ("--http", "LMS_COURSES_PORT", "--child"), port_key="courses", tier=1),
        "stubborn": RoleSpec(
            "stubborn",
            "lms_fake_role",
            ("--ignore-term", "--child"),
            tier=2,
            replica_env={"LMS_WORKER_ID": "worker-{n}"},
        ),
        "ghost": RoleSpec("ghost", "lms_no_such_module_anywhere", tier=3),
        "crasher": RoleSpec("crasher", "lms_fake_role", ("--exit", "3"), tier=3),
    }


@pytest.mark.integration
def test_roles_replicas_supervision_and_clean_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    stack = Stack(tmp_path / "lms", roles=_fake_roles())
    leaders: list[int] = []
    try:
        assert set(stack.unavailable()) == {"ghost"}
        with pytest.raises(RoleUnavailable):
            stack.start_role("ghost")

        web = stack.start_role("web", replicas=2)
        bg = stack.start_role("stubborn", replicas=2)
        stack.wait_healthy(timeout=30)
        base = stack.ports["courses"]
        assert [p.port for p in web] == [base, base + 10]
        body = httpx.get(f"http://127.0.0.1:{base + 10}/healthz", trust_env=False).json()
        assert body == {"role": "web", "replica": "1"}
        assert "worker worker-1" in (stack.logs_dir / "stubborn-1.log").read_text()
        leaders = [p.pid for p in web + bg if p.pid]

        # A SIGKILLed replica is restarted by the supervisor, with back-off (1 s for the first crash).
        old_pid = web[1].pid
        stack.kill_role("web", replica=1)
        deadline = time.monotonic() + 15
        while not (web[1].alive() and web[1].pid != old_pid):
            assert time.monotonic() < deadline, "supervisor did not restart the killed replica"
            stack.supervise_once()
            time.sleep(0.2)
        leaders.append(web[1].pid)  # type: ignore[arg-type]
        stack.wait_healthy(timeout=30, names=["web"])

        restarted = stack.restart_role("web", replica=0)
        leaders.append(restarted[0].pid)  # type: ignore[arg-type]
        stack.wait_healthy(timeout=30, names=["web"])
    finally:
        t0 = time.monotonic()
        stack.stop(grace=2)  # "stubborn" ignores SIGTERM: only the SIGKILL escalation stops it
        took = time.monotonic() - t0
    _assert_gone([p for p in leaders if p])
    assert took < 10


@pytest.mark.integration
def test_crash_looping_role_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lms_local.stack as stack_module

    monkeypatch.setattr(stack_module, "BACKOFF_CAP", 0.05)  # real back-off is 1, 2, 4 ... 30 s
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    stack = Stack(tmp_path / "lms", roles=_fake_roles())
    try:
        stack.start_role("crasher")
        deadline = time.monotonic() + 30
        while "crasher" not in stack.crash_looping():
            assert time.monotonic() < deadline, "crash loop not detected"
            stack.supervise_once()
            time.sleep(0.05)
        assert stack.role_procs("crasher")[0].starts >= stack_module.CRASH_LOOP_AFTER
        assert stack.role_procs("crasher")[0].returncode in (3, None)  # None: just restarted again
    finally:
        stack.stop()


# --------------------------------------------------------------------------------------------------
# CLI


@pytest.mark.integration
def test_cli_infra_prints_exports_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    ports = random_ports()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(LOCAL_DIR), os.environ.get("PYTHONPATH", "")]),
        "LMS_DATA_DIR": str(tmp_path / "lms"),
        "LMS_PG_PORT": str(ports["pg"]),
        "LMS_REDIS_PORT": str(ports["redis"]),
        "LMS_NATS_PORT": str(ports["nats"]),
        "LMS_NATS_MONITOR_PORT": str(ports["nats_monitor"]),
        "LMS_S3_PORT": str(ports["s3"]),
        "LMS_SMTP_PORT": str(ports["smtp"]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lms_local", "infra"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    exports = {}
    for line in proc.stdout:
        key, _, value = line.removeprefix("export ").strip().partition("=")
        exports[key] = value
        if key == "LMS_SMTP_PORT":  # the last line (sorted)
            break
    assert exports["LMS_COURSES_DATABASE_URL"] == f"postgresql+asyncpg://postgres@127.0.0.1:{ports['pg']}/courses"
    assert exports["LMS_S3_ENDPOINT"] == f"127.0.0.1:{ports['s3']}"
    assert exports["LMS_SMTP_PORT"] == str(ports["smtp"])
    children = [int(json.loads(f.read_text())["pid"]) for f in (tmp_path / "lms" / "run").glob("*.json")]
    assert len(children) == 5
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    _assert_gone(children)


# --------------------------------------------------------------------------------------------------
# tokens


@pytest.mark.unit
def test_token_claims_and_signature() -> None:
    token = mint_token(
        SECRET,
        sub="t1",
        name=NAME,
        roles=["trainer", "admin", "trainer"],
        org="AZ",
        municipality="Baku",
        locale="az",
        ttl=60,
        now=1_700_000_000,
    )
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {
        "sub": "t1",
        "name": NAME,
        "roles": ["trainer", "admin"],
        "org": "AZ",
        "municipality": "Baku",
        "locale": "az",
        "iat": 1_700_000_000,
        "exp": 1_700_000_060,
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    with pytest.raises(ValueError, match="unknown role"):
        make_claims(sub="x", name="x", roles=["Admın"])  # dotted/dotless i: never case-folded into "admin"
