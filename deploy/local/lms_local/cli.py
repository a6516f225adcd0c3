"""``python -m lms_local``: run the local stack, only its servers, print its environment, mint tokens.

Commands:
    run    servers + migrations + every role, supervised in the foreground (Ctrl-C stops all)
    infra  only the servers, for running one service by hand; prints ``export`` lines
    env    the ``export`` lines for a data folder, starting nothing
    token  a development JWT signed with the stack's secret
    stop   stop servers/roles a crashed launcher left running (or ask a live launcher to stop)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from lms_local.config import REPLICA_PORT_STEP, SECRET_KEYS, connect_host, ports_from_env, resolve_data_dir
from lms_local.infra import pg_bin_dir
from lms_local.roles import WORKER_ROLE
from lms_local.stack import Stack, StackBusy, StackError
from lms_local.tokens import VALID_ROLES, jwt_secret, mint_token

log = logging.getLogger("lms_local")


def _setup_logging(data_dir: Path | None, verbose: bool = False) -> None:
    fmt = logging.Formatter("%(asctime)s lms_local %(levelname)s %(message)s", "%H:%M:%S")
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(fmt)
    root.addHandler(console)
    if data_dir is not None:
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(data_dir / "logs" / "launcher.log", encoding="utf-8")
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        root.addHandler(fh)
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _env_int(var: str, default: int) -> int:
    raw = os.environ.get(var, "").strip()
    return int(raw) if raw else default


def _make_stack(args: argparse.Namespace, cert_workers: int | None = None) -> Stack:
    # Secrets given in the environment win over secrets.json (CI, or a shared team secret).
    overrides = {k: os.environ[k] for k in SECRET_KEYS if os.environ.get(k)}
    return Stack(
        args.data_dir,
        ports=ports_from_env(),
        env_overrides=overrides,
        host=os.environ.get("LMS_HOST") or "127.0.0.1",
        cert_workers=cert_workers if cert_workers is not None else _env_int("LMS_CERT_WORKERS", 1),
    )


class _Signals:
    """SIGINT/SIGTERM -> KeyboardInterrupt while starting/supervising; ignored while stopping.

    Children run in their own sessions, so a terminal's Ctrl-C reaches only the launcher, which then
    stops everything in order. A second Ctrl-C during that orderly stop is ignored on purpose: the
    stop is bounded by grace periods and SIGKILL anyway.
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        raise KeyboardInterrupt(signal.Signals(signum).name)

    def _ignore(self, signum: int, frame: FrameType | None) -> None:
        log.info("already stopping, please wait (%s ignored)", signal.Signals(signum).name)

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._interrupt)
        signal.signal(signal.SIGTERM, self._interrupt)

    def shield(self) -> None:
        self.stopping.set()
        signal.signal(signal.SIGINT, self._ignore)
        signal.signal(signal.SIGTERM, self._ignore)


def _parse_replicas(items: Sequence[str], stack: Stack) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        role, sep, count = item.partition("=")
        if not sep or role not in stack.roles or stack.roles[role].one_shot:
            raise SystemExit(
                f"--replicas wants ROLE=N with ROLE one of: "
                f"{', '.join(r for r, s in stack.roles.items() if not s.one_shot)}"
            )
        try:
            out[role] = int(count)
        except ValueError:
            raise SystemExit(f"--replicas {item}: N must be an integer") from None
        if out[role] < 0:
            raise SystemExit(f"--replicas {item}: N must be >= 0")
    return out


def _banner(stack: Stack, skipped: dict[str, str], replicas: dict[str, int]) -> str:
    u = stack.urls
    p = stack.ports
    psql = pg_bin_dir() / "psql"
    exe = Path(sys.executable)
    lines = [
        "",
        "=" * 78,
        f" Kentbilim local stack is running   (data: {stack.data_dir})",
        "=" * 78,
        f"  GraphQL        {u['graphql']}",
        f"  Web client     {u['web']}",
    ]
    for svc in ("courses", "progress", "certificates", "notifications"):
        extra = ""
        n = replicas.get(svc, 1)
        if n > 1:
            extra = "   replicas: " + ", ".join(str(p[svc] + REPLICA_PORT_STEP * i) for i in range(1, n))
        lines.append(f"  {svc:<14} {u[svc]}{extra}")
    app = connect_host(stack.host)
    relays = ", ".join(f"{svc} {p[f'{svc}_relay']}" for svc in ("courses", "progress", "certificates", "notifications"))
    lines += [
        f"  Outbox relays  /healthz /readyz /metrics on {app}: {relays}",
        f"  Postgres       {u['postgres']}{{courses,progress,certificates,notifications}}",
        f"                 psql: {psql} -h 127.0.0.1 -p {p['pg']} -U postgres courses",
        f"  Redis          {u['redis']}",
        f"  NATS           {u['nats']}   (monitor {u['nats_monitor']})",
        f"  S3             {u['s3']}   access key {stack.secrets['LMS_S3_ACCESS_KEY']}"
        f"   (secret in {stack.data_dir / 'secrets.json'})",
        f"  SMTP           {u['smtp']}   every email as {stack.data_dir / 'mail'}/*.eml; mailbox {u['mailbox']}",
        f"  Logs           {stack.logs_dir}/<role>.log",
        f"  Token          {exe} -m lms_local token --role admin --sub admin1 --name 'Admin'",
        f'  Environment    eval "$({exe} -m lms_local env)"',
    ]
    workers = replicas.get(WORKER_ROLE, 0)
    if workers:
        lines.append(f"  Cert workers   {workers}")
    if skipped:
        lines.append("  Not started (module not importable yet):")
        lines += [f"    - {name}: {why}" for name, why in skipped.items()]
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items())
    lines += [f"  Startup        {timing}", "=" * 78, " Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Servers, migrations, every role; supervise until Ctrl-C/SIGTERM."""
    workers = args.workers if args.workers is not None else _env_int("LMS_CERT_WORKERS", 1)
    stack = _make_stack(args, cert_workers=workers)
    plan = {name: 1 for name, spec in stack.roles.items() if not spec.one_shot}
    plan[WORKER_ROLE] = workers
    plan.update(_parse_replicas(args.replicas, stack))
    signals = _Signals()
    signals.install()
    rc = 0
    try:
        t0 = time.monotonic()
        stack.start_infra()
        skipped = stack.unavailable()
        for name, why in skipped.items():
            log.warning("skipping role %s: its module cannot be imported yet (%s)", name, why)
        if "migrate" not in skipped:
            stack.migrate()
        specs = sorted((stack.roles[n] for n in plan if plan[n] > 0 and n not in skipped), key=lambda s: s.tier)
        for spec in specs:
            stack.start_role(spec.name, plan[spec.name], check_available=False)
        _wait_for_health(stack, args.timeout)
        stack.timings["total"] = time.monotonic() - t0
        print(_banner(stack, skipped, plan), flush=True)
        stack.supervise(signals.stopping)
    except KeyboardInterrupt:
        log.info("stopping (signal received)")
    except StackBusy as exc:
        log.error("%s", exc)
        rc = 1
    except StackError as exc:
        log.error("%s", exc)
        rc = 1
    finally:
        signals.shield()
        t1 = time.monotonic()
        stack.stop()
        log.info("everything stopped in %.1fs", time.monotonic() - t1)
    return rc


def _wait_for_health(stack: Stack, timeout: float) -> None:
    """Wait for health while already supervising (a role that crashes at start gets restarted)."""
    deadline = time.monotonic() + timeout
    while True:
        stack.supervise_once()
        health = stack.health()
        bad = [name for name, ok in health.items() if not ok]
        if not bad:
            return
        if time.monotonic() > deadline:
            log.warning(
                "still not healthy after %.0fs: %s (supervising anyway; see %s)",
                timeout,
                ", ".join(bad),
                stack.logs_dir,
            )
            return
        time.sleep(0.5)


def cmd_infra(args: argparse.Namespace) -> int:
    """Only the servers; print the export lines and keep them running until Ctrl-C."""
    stack = _make_stack(args)
    signals = _Signals()
    signals.install()
    rc = 0
    try:
        stack.start_infra()
        print("\n".join(stack.export_lines()), flush=True)
        log.info("servers are up (%s); Ctrl-C stops them", ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items()))
        stack.supervise(signals.stopping)
    except KeyboardInterrupt:
        log.info("stopping (signal received)")
    except StackError as exc:
        log.error("%s", exc)
        rc = 1
    finally:
        signals.shield()
        stack.stop()
    return rc


def cmd_env(args: argparse.Namespace) -> int:
    """Print ``export`` lines for the data folder (secrets.json is created if missing)."""
    stack = _make_stack(args)
    print("\n".join(stack.export_lines()))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """Print an HS256 token signed with the stack's JWT secret."""
    token = mint_token(
        jwt_secret(args.data_dir),
        sub=args.sub,
        name=args.name or args.sub,
        roles=args.role or ["learner"],
        org=args.org,
        municipality=args.municipality,
        locale=args.locale,
        ttl=args.ttl,
        issuer=args.iss or os.environ.get("LMS_JWT_ISSUER") or None,
        audience=args.aud or os.environ.get("LMS_JWT_AUDIENCE") or None,
    )
    print(token)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop what a crashed launcher left behind, or ask a live launcher to shut down."""
    stack = _make_stack(args)
    try:
        stopped = stack.cleanup_stale()
    except StackBusy:
        pid_text = (stack.run_dir / "launcher.lock").read_text().strip()
        if not pid_text.isdigit():
            log.error("a launcher holds %s but its pid is unknown", stack.run_dir / "launcher.lock")
            return 1
        pid = int(pid_text)
        log.info("asking the running launcher (pid %d) to stop", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(600):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return 0
            time.sleep(0.1)
        log.error("launcher %d is still running after 60s", pid)
        return 1
    log.info("stopped: %s", ", ".join(stopped) if stopped else "nothing was running")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="python -m lms_local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir", type=resolve_data_dir, default=None, help="state folder (default: $LMS_DATA_DIR or ./.lms)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start everything and supervise it in the foreground")
    run.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="ROLE=N",
        help="replicas of a role (repeatable), e.g. progress=2; N=0 skips the role",
    )
    run.add_argument(
        "--workers", type=int, default=None, help=f"{WORKER_ROLE} replicas (default: $LMS_CERT_WORKERS or 1)"
    )
    run.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for health")
    run.set_defaults(func=cmd_run)

    sub.add_parser("infra", help="start only Postgres, Valkey, NATS and S3").set_defaults(func=cmd_infra)
    sub.add_parser("env", help="print export lines, start nothing").set_defaults(func=cmd_env)
    sub.add_parser("stop", help="stop servers left by a crashed launcher").set_defaults(func=cmd_stop)

    tok = sub.add_parser("token", help="print a development JWT")
    tok.add_argument("--role", action="append", choices=VALID_ROLES, help="role claim (repeatable; default learner)")
    tok.add_argument("--sub", required=True, help="subject (stable user id)")
    tok.add_argument("--name", help="full name as printed on certificates (default: sub)")
    tok.add_argument("--org", help="member state, ISO 3166 alpha-2 (e.g. AZ)")
    tok.add_argument("--municipality")
    tok.add_argument("--locale", help="e.g. az, kk, ky, tr, uz, ru, en")
    tok.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    tok.add_argument("--iss", help="issuer claim (default: $LMS_JWT_ISSUER, omitted if unset)")
    tok.add_argument("--aud", help="audience claim (default: $LMS_JWT_AUDIENCE, omitted if unset)")
    tok.set_defaults(func=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.data_dir is None:
        args.data_dir = resolve_data_dir()
    # Only the long-running commands write launcher.log; env/token must not touch logs.
    _setup_logging(args.data_dir if args.command in ("run", "infra") else None, args.verbose)
    try:
        return int(args.func(args))
    except ValueError as exc:  # bad port variable, bad token claim, ...
        log.error("%s", exc)
        return 2
    except BrokenPipeError:  # `... env | head`: the reader left, which is fine
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


__all__ = ["build_parser", "main"]
