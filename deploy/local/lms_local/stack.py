"""The :class:`Stack`: infrastructure servers plus application roles, as one object.

Used by the CLI (``python -m lms_local run``) and by tests, which start it on random free ports in a
temporary folder::

    with Stack(tmp_path) as stack:          # ports=None: random free ports for everything
        stack.start_infra()
        stack.migrate()
        stack.start_role("courses")
        stack.wait_healthy(timeout=60)
        ... stack.env["LMS_COURSES_DATABASE_URL"], stack.urls["graphql"] ...
    # leaving the block stops roles (gateway first) and then the servers, leaving no process behind

The API is synchronous on purpose: it works from plain and async fixtures alike (protocol checks
that need asyncio run on a private thread).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import psutil

from lms_local.config import (
    LOOPBACK,
    PORT_ENV,
    REPO_ROOT,
    SECRET_KEYS,
    connect_host,
    derive_ports,
    load_or_create_secrets,
    port_is_free,
    random_ports,
    stack_env,
)
from lms_local.infra import InfraContext, Server, make_servers
from lms_local.procs import Proc, read_runfile, stop_pid, stop_pids, tail
from lms_local.roles import ROLES, RoleSpec, pythonpath, unavailable_roles

log = logging.getLogger("lms_local")

# Supervisor back-off: 1, 2, 4, ... seconds, capped; a role that crashed this many times without
# staying up for RESET_AFTER seconds in between is reported as crash-looping (and still retried).
BACKOFF_CAP = 30.0
CRASH_LOOP_AFTER = 5
RESET_AFTER = 60.0
# Roles with RoleSpec.restart_when_unhealthy (the outbox relays): how often the supervisor checks the
# health of each running replica (a hung one is killed after the role's unhealthy_grace_seconds).
HEALTH_CHECK_EVERY = 2.0


class StackError(RuntimeError):
    """Something in the stack failed to start, stay up or stop."""


class StackBusy(StackError):
    """Another launcher is already running on this data folder."""


class RoleUnavailable(StackError):
    """A role's Python module cannot be run (not written yet, or broken import)."""


class HealthTimeout(StackError):
    """Processes did not become healthy in time."""


@dataclass
class _Supervision:
    failures: int = 0
    restart_at: float | None = None
    crash_looping: bool = False
    # Stopped on purpose (fault injection): the supervisor leaves it down until it is started again.
    held: bool = False
    # Roles with restart_when_unhealthy: time.monotonic() of the last passing health check (of any
    # incarnation; compared with Proc.started_at) and of the next check due.
    healthy_at: float | None = None
    next_check: float = 0.0


def _port_owner(port: int) -> str:
    """Who holds ``port``, as "name (pid N)", best effort (other users' sockets need root)."""
    with contextlib.suppress(psutil.Error, OSError):
        conns = [c for c in psutil.net_connections(kind="tcp") if c.laddr and c.laddr.port == port]
        for conn in sorted(conns, key=lambda c: c.status != psutil.CONN_LISTEN):
            if conn.status != psutil.CONN_LISTEN:
                # Ports in Linux's ephemeral range (32768-60999, where the documented defaults sit)
                # can be taken for a while as the source port of an outgoing connection.
                return (
                    f"the source port of a {conn.status} outgoing connection"
                    f"{f' of pid {conn.pid}' if conn.pid else ''}; retry, or pick a port below 32768"
                )
            if conn.pid:
                with contextlib.suppress(psutil.Error):
                    return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
                return f"pid {conn.pid}"
    return "another process"


class Stack:
    """A local Kentbilim stack rooted at one data folder.

    Args:
        data_dir: Folder for all state: ``postgres/``, ``redis/``, ``nats/``, ``s3/``, ``logs/``,
            ``run/`` and ``secrets.json``. Created if missing.
        ports: Port map (keys as in :data:`lms_local.config.PORT_ENV` plus ``nats_monitor``); missing
            keys take the documented defaults. ``None`` picks random free ports for everything.
        env_overrides: Variables layered last over the computed ``LMS_*`` environment. The secret
            keys (``LMS_JWT_SECRET``, ``LMS_S3_ACCESS_KEY``, ``LMS_S3_SECRET_KEY``) given here win
            over ``secrets.json``.
        python: Interpreter for roles (default: the one running the launcher, i.e. the venv's).
        repo_root: Working directory of the roles.
        host: ``LMS_HOST``, the address application servers bind to.
        cert_workers: Default replica count of ``certificates-worker`` (``LMS_CERT_WORKERS``).
        roles: Role table (default :data:`lms_local.roles.ROLES`); tests may add fakes.
        pg_os_user: System account Postgres runs as when the launcher is root.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        ports: Mapping[str, int] | None = None,
        env_overrides: Mapping[str, str] | None = None,
        *,
        python: str | None = None,
        repo_root: Path = REPO_ROOT,
        host: str = LOOPBACK,
        cert_workers: int = 1,
        roles: Mapping[str, RoleSpec] | None = None,
        pg_os_user: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir = self.data_dir / "logs"
        self.run_dir = self.data_dir / "run"
        self.repo_root = repo_root
        self.python = python or sys.executable
        self.host = host
        self.cert_workers = cert_workers
        self.roles: dict[str, RoleSpec] = dict(roles if roles is not None else ROLES)
        overrides = dict(env_overrides or {})

        if ports is None:
            self.ports = random_ports()
        else:
            defaults = {key: default for key, (_var, default) in PORT_ENV.items()}
            self.ports = derive_ports({**defaults, **ports})

        stored = load_or_create_secrets(self.data_dir)
        self.secrets = {k: overrides.get(k) or stored[k] for k in SECRET_KEYS}
        self._env = stack_env(self.data_dir, self.ports, self.secrets, host=host, cert_workers=cert_workers)
        self._env.update(overrides)

        base = dict(os.environ)
        base["PYTHONPATH"] = pythonpath(repo_root, os.environ.get("PYTHONPATH"))
        base["PYTHONUNBUFFERED"] = "1"  # logs appear in <role>.log as they are written
        self._child_env = {**base, **self._env}

        ctx = InfraContext(data_dir=self.data_dir, ports=self.ports, secrets=self.secrets, base_env=base)
        self.servers: dict[str, Server] = make_servers(
            ctx, pg_os_user=pg_os_user or os.environ.get("LMS_PG_OS_USER") or "lms-postgres"
        )

        self.timings: dict[str, float] = {}
        self._infra: dict[str, Proc] = {}
        self._roles: dict[str, list[Proc]] = {}
        self._sup: dict[str, _Supervision] = {}
        self._unavailable: dict[str, str] | None = None
        self._lock_fh: int | None = None
        self._mutex = threading.RLock()
        self._stopped = False
        atexit.register(self._atexit)

    # -- views -----------------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """Every ``LMS_*`` variable exported to children (a copy)."""
        return dict(self._env)

    def child_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The complete environment a child gets: this process's, PYTHONPATH, ``env`` and ``extra``."""
        return {**self._child_env, **(extra or {})}

    @property
    def urls(self) -> dict[str, str]:
        """Human-facing URLs of everything in the stack."""
        app = connect_host(self.host)
        public = self._env["LMS_PUBLIC_URL"]
        return {
            "graphql": f"{public}/graphql",
            "web": f"{public}/",
            "gateway": public,
            "courses": f"http://{app}:{self.ports['courses']}",
            "progress": f"http://{app}:{self.ports['progress']}",
            "certificates": f"http://{app}:{self.ports['certificates']}",
            "notifications": f"http://{app}:{self.ports['notifications']}",
            "postgres": self.servers["postgres"].url(),
            "redis": self.servers["redis"].url(),
            "nats": self.servers["nats"].url(),
            "nats_monitor": f"http://{LOOPBACK}:{self.ports['nats_monitor']}",
            "s3": self.servers["s3"].url(),
            "smtp": self.servers["mail"].url(),
            "mailbox": f"{public}/dev/mailbox",
        }

    def export_lines(self) -> list[str]:
        """``export K=V`` lines (shell-quoted) for every variable in :attr:`env`."""
        return [f"export {k}={shlex.quote(v)}" for k, v in sorted(self._env.items())]

    @property
    def procs(self) -> list[Proc]:
        """Every process this stack manages: servers, then role replicas in start order."""
        out = list(self._infra.values())
        for spec in sorted(self.roles.values(), key=lambda r: r.tier):
            out += self._roles.get(spec.name, [])
        return out

    def role_procs(self, name: str) -> list[Proc]:
        """The running (or crashed, still supervised) replicas of one role."""
        return list(self._roles.get(name, []))

    def crash_looping(self) -> list[str]:
        """Names of processes the supervisor considers crash-looping."""
        return [name for name, st in self._sup.items() if st.crash_looping]

    # -- locking -----------------------------------------------------------------------------------
    def _acquire_lock(self) -> None:
        """One launcher per data folder: a second would fight the first over ports and servers."""
        if self._lock_fh is not None:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "launcher.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StackBusy(f"another launcher (pid {holder}) is running on {self.data_dir}") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        os.set_inheritable(fd, False)  # a child must not keep the lock after we exit
        self._lock_fh = fd
        self._stopped = False

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
                os.close(self._lock_fh)
            self._lock_fh = None

    # -- infrastructure ----------------------------------------------------------------------------
    def _server_proc(self, srv: Server) -> Proc:
        proc = self._infra.get(srv.name)
        if proc is None:
            proc = Proc(
                srv.name,
                srv.command(),
                env=srv.env(),
                cwd=srv.dir,
                log_path=self.logs_dir / f"{srv.name}.log",
                run_dir=self.run_dir,
                role=srv.name,
                port=srv.port,
                stop_signal=srv.stop_signal,
                grace=srv.grace,
                run_as=srv.run_as,
            )
            self._infra[srv.name] = proc
        return proc

    def _reuse_or_clear_stale(self, srv: Server) -> bool:
        """Handle a copy of ``srv`` left running on our data folder by a launcher that died.

        Reused when it is the one our run file records, on the port we want, and passes the
        protocol check (for S3 that includes our credentials); otherwise stopped.
        """
        proc = self._server_proc(srv)
        record = read_runfile(proc.runfile)
        pids = srv.stale_pids()
        if record:
            pids.add(int(record["pid"]))
        if not pids:
            return False
        reuse = bool(record and record.get("port") == srv.port and srv.check())
        if reuse and record:
            proc.adopt(int(record["pid"]))
            log.info("reusing %s (pid %s) left running by a previous launcher", srv.name, record["pid"])
            pids.discard(int(record["pid"]))
        stop_pids([(pid, srv.stop_signal, srv.grace, srv.name) for pid in pids])
        return reuse

    def _ensure_ports_free(self, name: str, ports: Iterable[int]) -> None:
        ports = list(ports)
        busy = [p for p in ports if not port_is_free(p)]
        deadline = time.monotonic() + 3.0
        while busy and time.monotonic() < deadline:
            # A port can be held briefly by a closing socket or an outgoing connection: retry a moment.
            time.sleep(0.25)
            busy = [p for p in busy if not port_is_free(p)]
        if busy:
            owners = ", ".join(f"{p} ({_port_owner(p)})" for p in busy)
            raise StackError(
                f"cannot start {name}: port(s) in use: {owners}. Stop that process or choose "
                f"other ports (see deploy/local/README.md)"
            )

    def start_infra(self, timeout: float = 90.0) -> None:
        """Start (or reuse) Postgres, Valkey, NATS and S3 and wait until each answers its protocol.

        Idempotent: servers already running under this stack are left alone. Creates the
        ``courses``, ``progress``, ``certificates`` and ``notifications`` databases if missing.
        """
        with self._mutex:
            self._acquire_lock()
            self._stopped = False
            deadline = time.monotonic() + timeout
            abort = threading.Event()
            # One waiter thread per server, started as soon as that server is spawned: readiness is
            # timed accurately and a slow check (S3) never delays noticing a fast server.
            pool = ThreadPoolExecutor(max_workers=len(self.servers), thread_name_prefix="lms-wait")
            waits: list[Future[None]] = []
            try:
                # Postgres last: its initdb (first run) is the slow part, and the others boot meanwhile.
                order = [s for s in self.servers.values() if s.name != "postgres"] + [self.servers["postgres"]]
                for srv in order:
                    proc = self._server_proc(srv)
                    if proc.alive():
                        continue
                    t0 = time.monotonic()
                    if self._reuse_or_clear_stale(srv):
                        waits.append(pool.submit(self._wait_server, srv, None, deadline, abort))
                        continue
                    srv.prepare()
                    prepared = time.monotonic()
                    if prepared - t0 > 0.5:
                        self.timings[f"{srv.name}.prepare"] = prepared - t0
                    self._ensure_ports_free(srv.name, srv.bound_ports())
                    proc.start()
                    self._sup[proc.name] = _Supervision()
                    waits.append(pool.submit(self._wait_server, srv, prepared, deadline, abort))
                # Fail fast on the first server that dies or times out, whichever it is.
                done, _ = wait(waits, return_when=FIRST_EXCEPTION)
                for fut in [*done, *waits]:
                    fut.result()
            except BaseException:
                abort.set()
                self._stop_infra()
                self._release_lock()
                raise
            finally:
                abort.set()
                pool.shutdown(wait=True)

    def _wait_server(self, srv: Server, t0: float | None, deadline: float, abort: threading.Event) -> None:
        """Poll one server until its protocol check passes, then run its one-time setup."""
        proc = self._infra[srv.name]
        while not abort.is_set():
            if not proc.alive():
                raise StackError(
                    f"{srv.name} exited with {proc.returncode} while starting; "
                    f"last lines of {proc.log_path}:\n{tail(proc.log_path)}"
                )
            if srv.check():
                if t0 is not None:  # None: reused from a previous launcher, nothing was started
                    self.timings[srv.name] = time.monotonic() - t0
                    log.info("%s ready in %.1fs (%s)", srv.name, self.timings[srv.name], srv.url())
                srv.after_ready()
                return
            if time.monotonic() > deadline:
                raise HealthTimeout(f"{srv.name} not ready in time; see {proc.log_path}:\n{tail(proc.log_path, 10)}")
            abort.wait(0.05)
        raise StackError(f"start of {srv.name} aborted")

    def _stop_infra(self, grace: float | None = None) -> None:
        procs = [p for p in reversed(list(self._infra.values())) if p.alive() or p.pid is not None]
        self._stop_parallel(procs, grace)
        for name in list(self._infra):
            self.servers[name].after_stop()
            self._sup.pop(name, None)
        self._infra.clear()

    # -- fault injection on the servers ---------------------------------------------------------
    def _infra_proc(self, name: str) -> Proc:
        proc = self._infra.get(name)
        if proc is None:
            raise StackError(f"unknown or stopped server {name!r}; known: {', '.join(self._infra)}")
        return proc

    def kill_server(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Take a server down the hard way (a crash) and keep it down until :meth:`start_server`."""
        with self._mutex:
            proc = self._infra_proc(name)
            self._sup.setdefault(name, _Supervision()).held = True
        proc.send(sig, group=True)
        proc.wait(30)

    def start_server(self, name: str, timeout: float = 90.0) -> None:
        """Bring a server stopped by :meth:`kill_server` back (same data, same port) and wait for it."""
        srv = self.servers[name]
        with self._mutex:
            proc = self._infra_proc(name)
            if not proc.alive():
                srv.prepare()
                self._ensure_ports_free(name, srv.bound_ports())
                proc.start()
            self._sup[name] = _Supervision()
        self._wait_server(srv, time.monotonic(), time.monotonic() + timeout, threading.Event())

    def pause_server(self, name: str) -> None:
        """Freeze a server (SIGSTOP): connections stay open and nothing answers, with no error at all."""
        self._infra_proc(name).send(signal.SIGSTOP, group=True)

    def resume_server(self, name: str) -> None:
        self._infra_proc(name).send(signal.SIGCONT, group=True)

    # -- roles -------------------------------------------------------------------------------------
    def unavailable(self, names: Iterable[str] | None = None, *, refresh: bool = False) -> dict[str, str]:
        """Roles whose module cannot be run yet, with the reason (checked once, then cached)."""
        if self._unavailable is None or refresh:
            self._unavailable = unavailable_roles(self.roles.values(), self.python, self.child_env(), self.repo_root)
        wanted = set(self.roles if names is None else names)
        return {k: v for k, v in self._unavailable.items() if k in wanted}

    def _spec(self, name: str) -> RoleSpec:
        try:
            return self.roles[name]
        except KeyError:
            raise StackError(f"unknown role {name!r}; known: {', '.join(self.roles)}") from None

    def _role_proc(self, spec: RoleSpec, replica: int) -> Proc:
        name = spec.proc_name(replica)
        return Proc(
            name,
            spec.command(self.python),
            env=self.child_env(spec.env_for(self.ports, replica)),
            cwd=self.repo_root,
            log_path=self.logs_dir / f"{name}.log",
            run_dir=self.run_dir,
            role=spec.name,
            replica=replica,
            port=spec.port_for(self.ports, replica),
        )

    def migrate(self, timeout: float = 300.0) -> None:
        """Run the one-shot ``migrate`` role to completion; raise :class:`StackError` unless it exits 0."""
        spec = self._spec("migrate")
        missing = self.unavailable([spec.name])
        if missing:
            raise RoleUnavailable(f"migrate: {missing[spec.name]}")
        self._acquire_lock()
        proc = self._role_proc(spec, 0)
        t0 = time.monotonic()
        proc.start()
        if not proc.wait(timeout):
            proc.stop(grace=5)
            raise StackError(f"migrate did not finish in {timeout:.0f}s; see {proc.log_path}")
        proc.runfile.unlink(missing_ok=True)
        self.timings["migrate"] = time.monotonic() - t0
        if proc.returncode != 0:
            raise StackError(
                f"migrate exited with {proc.returncode}; last lines of {proc.log_path}:\n{tail(proc.log_path)}"
            )
        log.info("migrations applied in %.1fs", self.timings["migrate"])

    def start_role(self, name: str, replicas: int = 1, *, check_available: bool = True) -> list[Proc]:
        """Make sure replicas ``0 .. replicas-1`` of role ``name`` run; returns all its replicas.

        Replicas already running are kept. A replica left running by a crashed launcher (found by
        its run file) is stopped first. Does not wait for health: see :meth:`wait_healthy`.
        """
        spec = self._spec(name)
        if spec.one_shot:
            raise StackError(f"{name} is a one-shot role; use migrate()")
        if check_available:
            missing = self.unavailable([name])
            if missing:
                raise RoleUnavailable(f"{name}: {missing[name]}")
        with self._mutex:
            self._acquire_lock()
            self._stopped = False
            current = self._roles.setdefault(name, [])
            by_replica = {p.replica: p for p in current}
            for n in range(replicas):
                proc = by_replica.get(n)
                if proc is not None and proc.alive():
                    continue
                if proc is None:
                    proc = self._role_proc(spec, n)
                    current.append(proc)
                record = read_runfile(proc.runfile)
                if record:
                    stop_pid(int(record["pid"]), signal.SIGTERM, 10.0, proc.name)
                if proc.port is not None:
                    self._ensure_ports_free(proc.name, [proc.port])
                proc.start()
                self._sup[proc.name] = _Supervision()
            current.sort(key=lambda p: p.replica)
            return list(current)

    def stop_role(self, name: str, grace: float | None = None) -> None:
        """Stop every replica of ``name`` (SIGTERM, then SIGKILL to the group after ``grace``)."""
        with self._mutex:
            procs = self._roles.pop(name, [])
            self._stop_parallel(procs, grace)
            for p in procs:
                self._sup.pop(p.name, None)

    def kill_role(self, name: str, sig: int = signal.SIGKILL, replica: int = 0) -> None:
        """Send ``sig`` to one replica's process group (chaos testing). It stays registered, so a
        running supervisor restarts it; without one, :meth:`restart_role` brings it back."""
        for proc in self._roles.get(name, []):
            if proc.replica == replica:
                proc.send(sig, group=True)
                return
        raise StackError(f"{name} has no replica {replica}")

    def hold_role(self, name: str, replica: int = 0, sig: int = signal.SIGKILL) -> None:
        """Take one replica down and keep it down (the supervisor leaves it) until :meth:`release_role`."""
        proc = self._replica(name, replica)
        with self._mutex:
            self._sup.setdefault(proc.name, _Supervision()).held = True
        proc.send(sig, group=True)
        proc.wait(30)

    def release_role(self, name: str, replica: int = 0) -> None:
        """Start a replica held down by :meth:`hold_role` again."""
        proc = self._replica(name, replica)
        with self._mutex:
            if not proc.alive():
                proc.start()
            self._sup[proc.name] = _Supervision()

    def _replica(self, name: str, replica: int) -> Proc:
        for proc in self._roles.get(name, []):
            if proc.replica == replica:
                return proc
        raise StackError(f"{name} has no replica {replica}")

    def restart_role(self, name: str, replica: int | None = None, grace: float | None = None) -> list[Proc]:
        """Stop and start one replica (or all replicas) of ``name``; returns all its replicas."""
        with self._mutex:
            if replica is None:
                count = max((p.replica for p in self._roles.get(name, [])), default=0) + 1
                self.stop_role(name, grace)
                return self.start_role(name, count, check_available=False)
            for proc in self._roles.get(name, []):
                if proc.replica == replica:
                    proc.stop(grace)
                    proc.start()
                    self._sup[proc.name] = _Supervision()
                    return self.role_procs(name)
            raise StackError(f"{name} has no replica {replica}")

    # -- health --------------------------------------------------------------------------------------
    def is_healthy(self, proc: Proc) -> bool:
        """Servers: protocol check. Roles with a port (HTTP roles, relays): ``GET /healthz`` answers 200.
        Others: alive for ``settle_seconds`` (1 s)."""
        if not proc.alive():
            return False
        if proc.name in self.servers and self._infra.get(proc.name) is proc:
            return self.servers[proc.name].check()
        spec = self.roles.get(proc.role)
        if spec is None:
            return True
        if proc.port is None:
            return proc.uptime() >= spec.settle_seconds
        url = f"http://{connect_host(self.host)}:{proc.port}{spec.health_path}"
        try:
            return httpx.get(url, timeout=2.0, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    def health(self) -> dict[str, bool]:
        """Health of every managed process by name."""
        return {p.name: self.is_healthy(p) for p in self.procs}

    def wait_healthy(
        self, timeout: float = 60.0, names: Iterable[str] | None = None, *, tolerate_exits: bool = False
    ) -> None:
        """Wait until every managed process (or the roles/servers in ``names``) is healthy.

        A process that exits meanwhile fails the wait at once, with the end of its log, unless
        ``tolerate_exits`` (the CLI's supervisor restarts it instead).
        """
        wanted = set(names) if names is not None else None
        deadline = time.monotonic() + timeout
        while True:
            pending = []
            for proc in self.procs:
                if wanted is not None and proc.name not in wanted and proc.role not in wanted:
                    continue
                if not proc.alive() and not tolerate_exits:
                    raise StackError(
                        f"{proc.name} exited with {proc.returncode}; last lines of "
                        f"{proc.log_path}:\n{tail(proc.log_path)}"
                    )
                if not self.is_healthy(proc):
                    pending.append(proc)
            if not pending:
                return
            if time.monotonic() > deadline:
                details = "\n".join(f"--- {p.name} ({p.log_path}):\n{tail(p.log_path, 10)}" for p in pending)
                raise HealthTimeout(
                    f"not healthy after {timeout:.0f}s: {', '.join(p.name for p in pending)}\n{details}"
                )
            time.sleep(0.25)

    # -- supervision ----------------------------------------------------------------------------------
    def supervise_once(self) -> None:
        """Restart crashed processes with exponential back-off; report crash loops. Call periodically.

        Replicas of roles with ``restart_when_unhealthy`` are also health-checked (every
        :data:`HEALTH_CHECK_EVERY` seconds); one that has not passed a check for the role's
        ``unhealthy_grace_seconds`` (since its last passing check, or since its start if it has not
        passed one yet) is killed, and so restarted like a crashed one.
        """
        now = time.monotonic()
        due: list[tuple[Proc, RoleSpec, int | None]] = []
        with self._mutex:
            if self._stopped:
                return
            for proc in self.procs:
                st = self._sup.setdefault(proc.name, _Supervision())
                if st.held:
                    continue
                if proc.alive():
                    watched = self._watched_spec(proc)
                    if watched is not None and now >= st.next_check:
                        st.next_check = now + HEALTH_CHECK_EVERY
                        due.append((proc, watched, proc.pid))
                    if st.failures and proc.uptime() > RESET_AFTER and (watched is None or self._passed(st, proc)):
                        st.failures, st.crash_looping = 0, False
                    continue
                if st.restart_at is None:
                    st.failures += 1
                    delay = min(BACKOFF_CAP, 2.0 ** (st.failures - 1))
                    st.restart_at = now + delay
                    proc.send(signal.SIGKILL, group=True)  # reap helpers the crashed process left
                    log.warning(
                        "%s exited with %s after %.0fs; restarting in %.0fs (log: %s)\n%s",
                        proc.name,
                        proc.returncode,
                        proc.uptime(),
                        delay,
                        proc.log_path,
                        tail(proc.log_path, 8),
                    )
                    if st.failures >= CRASH_LOOP_AFTER and not st.crash_looping:
                        st.crash_looping = True
                        log.error(
                            "%s is crash-looping (%d crashes in a row); still retrying every %.0fs. See %s",
                            proc.name,
                            st.failures,
                            BACKOFF_CAP,
                            proc.log_path,
                        )
                elif now >= st.restart_at:
                    st.restart_at = None
                    try:
                        if proc.name in self.servers and self._infra.get(proc.name) is proc:
                            self.servers[proc.name].prepare()
                        proc.start()
                        log.info("restarted %s (pid %s)", proc.name, proc.pid)
                    except Exception as exc:  # noqa: BLE001 - one failed restart must not stop supervision
                        log.error("could not restart %s: %s", proc.name, exc)
                        st.restart_at = now + min(BACKOFF_CAP, 2.0**st.failures)
        if due:
            # HTTP checks outside the lock: a hung process takes the whole check timeout to fail.
            self._kill_unhealthy([(proc, spec, pid, self.is_healthy(proc)) for proc, spec, pid in due])

    def _watched_spec(self, proc: Proc) -> RoleSpec | None:
        """The spec of a role replica the supervisor health-checks, else None (servers, other roles)."""
        if proc.name in self.servers and self._infra.get(proc.name) is proc:
            return None
        spec = self.roles.get(proc.role)
        return spec if spec is not None and spec.restart_when_unhealthy else None

    @staticmethod
    def _passed(st: _Supervision, proc: Proc) -> bool:
        """True when the current incarnation of ``proc`` has passed a health check."""
        return st.healthy_at is not None and proc.started_at is not None and st.healthy_at >= proc.started_at

    def _kill_unhealthy(self, results: list[tuple[Proc, RoleSpec, int | None, bool]]) -> None:
        now = time.monotonic()
        with self._mutex:
            if self._stopped:
                return
            for proc, spec, pid, ok in results:
                st = self._sup.get(proc.name)
                if st is None or st.held or proc.pid != pid or not proc.alive() or proc.started_at is None:
                    continue  # stopped, held or restarted meanwhile
                if ok:
                    st.healthy_at = now
                    continue
                since = st.healthy_at if self._passed(st, proc) else proc.started_at
                assert since is not None
                if now - since < spec.unhealthy_grace_seconds:
                    continue
                log.warning(
                    "%s (pid %s) %s for %.0fs; killing it to restart it (log: %s)\n%s",
                    proc.name,
                    proc.pid,
                    "has failed its health check" if self._passed(st, proc) else "has not become healthy",
                    now - since,
                    proc.log_path,
                    tail(proc.log_path, 8),
                )
                proc.send(signal.SIGKILL, group=True)
                proc.wait(5.0)

    def supervise(self, should_stop: threading.Event | Callable[[], bool], poll: float = 0.5) -> None:
        """Run :meth:`supervise_once` every ``poll`` seconds until ``should_stop`` is set/true."""

        def stopped() -> bool:
            return should_stop.is_set() if isinstance(should_stop, threading.Event) else should_stop()

        while not stopped():
            self.supervise_once()
            if isinstance(should_stop, threading.Event):
                should_stop.wait(poll)
            else:
                time.sleep(poll)

    # -- shutdown --------------------------------------------------------------------------------------
    @staticmethod
    def _stop_parallel(procs: list[Proc], grace: float | None) -> None:
        """Signal all, then wait for all: stopping N processes takes one grace period, not N."""
        t0 = time.monotonic()
        for p in procs:
            p.begin_stop()
        for p in procs:
            p.finish_stop(t0 + (p.grace if grace is None else grace))

    def stop(self, grace: float | None = None) -> None:
        """Stop everything: roles tier by tier (gateway first, services last), then the servers.

        Each process gets its stop signal (SIGTERM; SIGINT for Postgres) and, after its grace period
        (or ``grace``), SIGKILL to its whole process group. Idempotent.
        """
        with self._mutex:
            self._stopped = True
            tiers = sorted({self.roles[r].tier for r in self._roles if r in self.roles}, reverse=True)
            for tier in tiers:
                names = [r for r in self._roles if self.roles[r].tier == tier]
                procs = [p for r in names for p in self._roles[r]]
                self._stop_parallel(procs, grace)
                for r in names:
                    self._roles.pop(r, None)
            self._roles.clear()
            self._stop_infra(grace)
            self._sup.clear()
            self._release_lock()

    def cleanup_stale(self) -> list[str]:
        """Stop every process a crashed launcher left running on this data folder.

        Raises :class:`StackBusy` if a launcher is alive (stop that one instead). Returns the names
        of what was stopped.
        """
        with self._mutex:
            self._acquire_lock()
            targets: dict[int, tuple[int, int, float, str]] = {}
            try:
                for runfile in sorted(self.run_dir.glob("*.json")):
                    record = read_runfile(runfile)
                    runfile.unlink(missing_ok=True)
                    if record is None:
                        continue
                    name = str(record.get("name", runfile.stem))
                    srv = self.servers.get(name)
                    sig = srv.stop_signal if srv else signal.SIGTERM
                    pid = int(record["pid"])
                    targets[pid] = (pid, sig, srv.grace if srv else 10.0, name)
                for srv in self.servers.values():
                    for pid in srv.stale_pids():
                        targets.setdefault(pid, (pid, srv.stop_signal, srv.grace, srv.name))
                stop_pids(list(targets.values()))
                for srv in self.servers.values():
                    srv.after_stop()
            finally:
                self._release_lock()
            return sorted({t[3] for t in targets.values()})

    def _atexit(self) -> None:
        # Safety net for a test session that forgot stop(): children live in their own sessions and
        # would otherwise outlive the interpreter.
        if self._infra or self._roles:
            with contextlib.suppress(Exception):
                self.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
