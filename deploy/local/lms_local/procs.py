"""Child processes: start in their own session, log to a file, stop without leaving orphans.

Every child is a session (and so process-group) leader. That keeps a terminal's Ctrl-C away from the
children, so the launcher alone decides the shutdown order, and it lets the launcher kill a child
together with anything the child spawned, by process group.

Each running child also has a small JSON "run file" in ``<data_dir>/run/``, so that the next launcher
can recognise servers left behind by one that crashed (see :func:`read_runfile`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psutil

log = logging.getLogger("lms_local")


@dataclass(frozen=True)
class RunAs:
    """An unprivileged system account a child is started as (Postgres refuses to run as root)."""

    user: str
    uid: int
    gid: int

    @classmethod
    def lookup(cls, user: str) -> RunAs:
        entry = pwd.getpwnam(user)
        return cls(user=user, uid=entry.pw_uid, gid=entry.pw_gid)


def _proc_identity(pid: int) -> tuple[float, list[str]] | None:
    try:
        p = psutil.Process(pid)
        if p.status() == psutil.STATUS_ZOMBIE:
            return None
        return p.create_time(), p.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def read_runfile(path: Path) -> dict[str, Any] | None:
    """A run file's record if its process is still the one that wrote it (same pid *and* start time).

    Matching the start time guards against pid reuse: a recycled pid never matches, so a stale run
    file is ignored (and removed) instead of leading us to signal an unrelated process.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        created = float(data["create_time"])
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return None
    ident = _proc_identity(pid)
    if ident is None or abs(ident[0] - created) > 1.0:
        path.unlink(missing_ok=True)
        return None
    return dict(data)


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid`` (what :meth:`Proc.stop` must leave empty)."""
    members = []
    for pid in psutil.pids():
        try:
            if os.getpgid(pid) == pgid and _proc_identity(pid) is not None:
                members.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    return members


def _killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, for error messages."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 16384))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Proc:
    """One child process (a server or one replica of a role).

    ``start()`` may be called again after the process exited; the supervisor restarts crashed
    children that way. A process found running from a previous launcher can be :meth:`adopt`-ed.
    """

    def __init__(
        self,
        name: str,
        cmd: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        run_dir: Path,
        role: str | None = None,
        replica: int = 0,
        port: int | None = None,
        stop_signal: int = signal.SIGTERM,
        grace: float = 10.0,
        run_as: RunAs | None = None,
    ) -> None:
        self.name = name
        self.cmd = list(cmd)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self.run_dir = run_dir
        self.role = role or name
        self.replica = replica
        self.port = port
        self.stop_signal = stop_signal
        self.grace = grace
        self.run_as = run_as
        self.started_at: float | None = None  # time.monotonic() of the last start
        self.starts = 0
        self._popen: subprocess.Popen[bytes] | None = None
        self._adopted: psutil.Process | None = None
        self._pid: int | None = None
        self._last_rc: int | None = None
        self._exit_seen: float | None = None  # wall-clock time we first saw this incarnation gone

    def __repr__(self) -> str:
        return f"<Proc {self.name} pid={self._pid} alive={self.alive()}>"

    # -- identity ------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The pid of the current (or last) incarnation; also its process-group id."""
        return self._pid

    @property
    def runfile(self) -> Path:
        return self.run_dir / f"{self.name}.json"

    @property
    def adopted(self) -> bool:
        """True when this process was started by an earlier launcher and reused by this one."""
        return self._adopted is not None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the process in a new session, output appended to its log file."""
        if self.alive():
            raise RuntimeError(f"{self.name} is already running (pid {self._pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        logf: IO[bytes] = self.log_path.open("ab")
        try:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            logf.write(f"\n===== {stamp} lms_local starting {self.name}: {' '.join(self.cmd)}\n".encode())
            logf.flush()
            kwargs: dict[str, Any] = {}
            if self.run_as is not None and os.geteuid() == 0:
                # extra_groups=[] drops root's supplementary groups along with the uid.
                kwargs.update(user=self.run_as.uid, group=self.run_as.gid, extra_groups=[])
            self._popen = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own session & process group: see module docstring
                close_fds=True,
                **kwargs,
            )
        finally:
            logf.close()  # the child holds its own descriptor
        self._adopted = None
        self._pid = self._popen.pid
        self._last_rc = None
        self._exit_seen = None
        self.started_at = time.monotonic()
        self.starts += 1
        self._write_runfile()

    def adopt(self, pid: int) -> None:
        """Take over a process started by an earlier launcher (used for healthy stale servers)."""
        self._popen = None
        self._adopted = psutil.Process(pid)
        self._pid = pid
        self._last_rc = None
        self._exit_seen = None
        self.started_at = time.monotonic()
        self._write_runfile()

    def _write_runfile(self) -> None:
        assert self._pid is not None
        ident = _proc_identity(self._pid)
        record = {
            "name": self.name,
            "role": self.role,
            "replica": self.replica,
            "pid": self._pid,
            "create_time": ident[0] if ident else time.time(),
            "port": self.port,
            "cmd": self.cmd,
            "launcher_pid": os.getpid(),
        }
        tmp = self.runfile.with_suffix(".tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.replace(self.runfile)

    def alive(self) -> bool:
        """True while the process runs (zombies count as exited)."""
        running = False
        if self._popen is not None:
            running = self._popen.poll() is None
        elif self._adopted is not None:
            try:
                running = self._adopted.is_running() and self._adopted.status() != psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                running = False
        if not running and self._pid is not None and self._exit_seen is None:
            self._exit_seen = time.time()
        return running

    @property
    def returncode(self) -> int | None:
        """Exit status of the last incarnation (negative = killed by that signal); None while running."""
        if self._popen is not None:
            return self._popen.poll()
        return self._last_rc

    def uptime(self) -> float:
        return 0.0 if self.started_at is None else time.monotonic() - self.started_at

    def send(self, sig: int, *, group: bool = False) -> None:
        """Send ``sig`` to the process, or to its whole process group."""
        if self._pid is None:
            return
        if group:
            self._signal_group(sig)
        elif self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, sig)

    def _signal_group(self, sig: int) -> None:
        """Signal our process group without ever hitting a stranger's.

        While the leader lives, its pid is certainly our group id. Once it is gone and the group
        empties, the kernel may hand that number to an unrelated new session leader, so only members
        that already existed when we saw our leader exit are signalled then.
        """
        if self._pid is None:
            return
        if self.alive():
            _killpg(self._pid, sig)
            return
        cutoff = (self._exit_seen or time.time()) + 0.5
        for pid in group_members(self._pid):
            with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
                if psutil.Process(pid).create_time() <= cutoff:
                    os.kill(pid, sig)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the process to exit; True if it did."""
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() >= deadline:
                return False
            if self._popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._popen.wait(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
            else:
                time.sleep(0.05)
        return True

    def begin_stop(self) -> None:
        """First step of :meth:`stop`: ask the leader to shut down (lets callers stop many in parallel)."""
        self.send(self.stop_signal)

    def finish_stop(self, deadline: float) -> None:
        """Second step of :meth:`stop`: wait until ``deadline``, then SIGKILL the whole group."""
        if not self.wait(max(0.0, deadline - time.monotonic())):
            log.warning(
                "%s did not stop within %.0fs of %s; killing it",
                self.name,
                self.grace,
                signal.Signals(self.stop_signal).name,
            )
        # Always sweep the group: helpers a child forked must not outlive it.
        self._signal_group(signal.SIGKILL)
        self.wait(5.0)
        self.runfile.unlink(missing_ok=True)

    def stop(self, grace: float | None = None) -> None:
        """Graceful stop signal to the leader, then SIGKILL to the group after ``grace`` seconds."""
        self.begin_stop()
        self.finish_stop(time.monotonic() + (self.grace if grace is None else grace))


def stop_pids(targets: Sequence[tuple[int, int, float, str]]) -> None:
    """Stop processes we did not start (stale servers or roles), all in parallel, sweeping groups.

    ``targets`` holds ``(pid, stop signal, grace seconds, name)``. Each gets its signal at once; any
    still alive after its grace is SIGKILLed, with its process group when it leads one.
    """
    pending: list[tuple[psutil.Process, bool, float, str, int]] = []
    t0 = time.monotonic()
    for pid, sig, grace, name in targets:
        try:
            p = psutil.Process(pid)
            # Our children are session leaders, so their pid is also their process group; anything
            # else (say a postmaster started by hand with pg_ctl) is stopped alone.
            leads_group = os.getpgid(pid) == pid
        except (psutil.NoSuchProcess, ProcessLookupError, PermissionError):
            continue
        log.info("stopping %s left by a previous run (pid %d)", name, pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(sig)
        pending.append((p, leads_group, t0 + grace, name, sig))
    for p, leads_group, deadline, name, sig in pending:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except psutil.TimeoutExpired:
            log.warning("%s (pid %d) ignored %s; killing it", name, p.pid, signal.Signals(sig).name)
            if leads_group:
                _killpg(p.pid, signal.SIGKILL)  # leader still alive: the group id is surely its
            with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
                p.kill()
                p.wait(5)
        except psutil.NoSuchProcess:
            pass
        if leads_group:
            # Leftover members only, and only those older than the leader's exit (see Proc._signal_group).
            cutoff = time.time() + 0.5
            for member in group_members(p.pid):
                with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
                    if psutil.Process(member).create_time() <= cutoff:
                        os.kill(member, signal.SIGKILL)


def stop_pid(pid: int, sig: int, grace: float, name: str) -> None:
    """Stop one process we did not start; see :func:`stop_pids`."""
    stop_pids([(pid, sig, grace, name)])
