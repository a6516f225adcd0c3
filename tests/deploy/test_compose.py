"""deploy/compose: the file is valid Compose, wires every role, and speaks the same LMS_* as the code.

No Docker engine runs here, so the file is interpolated the way ``docker compose config`` does (with the
values of .env.example) and then parsed by ``compose-spec``, a strict implementation of the Compose
Specification that rejects unknown keys, wrong types and unknown ``depends_on`` conditions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose
from dotenv import dotenv_values

from tests.deploy.support import (
    LAUNCHER_ONLY,
    ROOT,
    MissingVariable,
    interpolate,
    known_variables,
    settings_variables,
)

pytestmark = pytest.mark.unit

COMPOSE = ROOT / "deploy" / "compose"
ROLES = {
    "migrate",
    "courses",
    "progress",
    "certificates",
    "certificates-worker",
    "notifications",
    "courses-relay",
    "progress-relay",
    "certificates-relay",
    "notifications-relay",
    "gateway",
}
INFRA = {"postgres", "redis", "nats", "minio", "minio-init"}
# What an operator must put in .env before the first `up` (placeholders for the test).
REQUIRED = {
    "POSTGRES_PASSWORD": "pgpass123",
    "LMS_S3_ACCESS_KEY": "kentbilimkey",
    "LMS_S3_SECRET_KEY": "kentbilimsecret",
    "LMS_ISSUER_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----",
    "LMS_NOTIFICATIONS_UNSUBSCRIBE_SECRET": "unsubscribe-key-123",
    **{
        f"NATS_{user}_PASSWORD": f"nats{user.lower()}123"
        for user in ("ADMIN", "COURSES", "PROGRESS", "CERTIFICATES", "NOTIFICATIONS", "GATEWAY")
    },
}


def example_env() -> dict[str, str]:
    values = dotenv_values(COMPOSE / ".env.example")
    return {k: v or "" for k, v in values.items()}


def documented_variables() -> set[str]:
    """Every variable .env.example mentions, set or commented out (``# NAME=...``)."""
    names = set()
    for line in (COMPOSE / ".env.example").read_text().splitlines():
        stripped = line.lstrip("# ").strip()
        name, sep, _ = stripped.partition("=")
        if sep and name.isupper() and " " not in name:
            names.add(name)
    return names


def raw_compose() -> dict[str, Any]:
    loaded = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def rendered(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The file as ``docker compose config`` sees it: interpolated, then typed where the spec wants numbers."""
    result = interpolate(raw_compose(), env if env is not None else {**example_env(), **REQUIRED})
    assert isinstance(result, dict)
    for service in result["services"].values():
        deploy = service.get("deploy", {})
        if isinstance(deploy.get("replicas"), str):
            # Compose casts interpolated values by the schema's types; replicas is the one we interpolate.
            deploy["replicas"] = int(deploy["replicas"])
    return result


def validate(document: dict[str, Any]) -> PyCompose:
    """Parse with the Compose Specification implementation; raises ValueError naming the bad key."""
    return PyCompose.from_json(json.dumps(document))


def test_compose_file_follows_the_compose_specification() -> None:
    document = rendered()
    parsed = validate(document)
    assert set(parsed.service_names()) == ROLES | INFRA


def test_a_broken_file_is_rejected_by_the_validator() -> None:
    # Guards the guard: the validator must catch the mistakes people make in compose files.
    document = rendered()
    document["services"]["courses"]["depends_on"]["migrate"]["condition"] = "service_finished"
    with pytest.raises(ValueError, match="service_finished"):
        validate(document)
    document = rendered()
    document["services"]["gateway"]["helthcheck"] = {"test": ["CMD", "true"]}
    with pytest.raises(ValueError, match="helthcheck"):
        validate(document)


@pytest.mark.parametrize("variable", sorted(REQUIRED))
def test_missing_secret_stops_compose_with_a_message(variable: str) -> None:
    env = {**example_env(), **REQUIRED, variable: ""}
    with pytest.raises(MissingVariable, match=variable):
        rendered(env)


def test_every_dependency_names_a_service() -> None:
    services = rendered()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on {dependency}, which is not defined"


def test_every_role_runs_its_entrypoint_role_after_migrations() -> None:
    services = rendered()["services"]
    for role in ROLES:
        service = services[role]
        assert service["command"] == [role], f"{role} must run the image's '{role}' role"
        assert service["image"] == "kentbilim:local"
        if role == "gateway":
            # The gateway waits for healthy services, which themselves wait for the migrations.
            assert service["depends_on"]["courses"] == {"condition": "service_healthy"}
        elif role != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_worker_count_comes_from_the_environment() -> None:
    workers = rendered({**example_env(), **REQUIRED, "LMS_CERT_WORKERS": "3"})["services"]["certificates-worker"]
    assert workers["deploy"]["replicas"] == 3
    validate(rendered({**example_env(), **REQUIRED, "LMS_CERT_WORKERS": "3"}))
    default = rendered({k: v for k, v in {**example_env(), **REQUIRED}.items() if k != "LMS_CERT_WORKERS"})
    assert default["services"]["certificates-worker"]["deploy"]["replicas"] == 2


def test_only_the_gateway_and_object_storage_are_published() -> None:
    services = rendered()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"gateway", "minio"}
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000"], "publish on loopback unless told otherwise"


def test_infrastructure_has_health_checks_and_persistent_volumes() -> None:
    services = rendered()["services"]
    for name in ("postgres", "redis", "nats", "minio"):
        assert "healthcheck" in services[name], f"{name} needs a healthcheck for depends_on to mean anything"
    volumes = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert {"postgres-data", "nats-data", "minio-data"} <= volumes
    assert "-js" in services["nats"]["command"], "NATS must run with JetStream"


def test_containers_reach_each_other_by_service_name() -> None:
    env = rendered()["services"]["courses"]["environment"]
    assert env["LMS_HOST"] == "0.0.0.0"
    assert env["LMS_NATS_URL"] == "nats://nats:4222"
    assert env["LMS_COURSES_DATABASE_URL"] == "postgresql+asyncpg://kentbilim:pgpass123@postgres:5432/courses"
    assert not any("127.0.0.1" in str(v) for v in env.values()), "a container's 127.0.0.1 is itself"


def test_every_lms_variable_in_compose_is_read_by_the_code() -> None:
    known = known_variables()
    services = raw_compose()["services"]
    used = {
        key
        for service in services.values()
        for key in (service.get("environment") or {})
        if isinstance(key, str) and key.startswith("LMS_")
    }
    used |= set(raw_compose()["x-app"]["environment"])
    unknown = {v for v in used if v.startswith("LMS_")} - known - {"LMS_CERT_WORKERS"}
    assert not unknown, f"compose sets variables no code reads (typo?): {sorted(unknown)}"


def test_env_example_documents_every_setting() -> None:
    missing = set(settings_variables()) - documented_variables()
    assert not missing, f"document these in deploy/compose/.env.example: {sorted(missing)}"
    unknown = {v for v in documented_variables() if v.startswith("LMS_")} - known_variables() - {"LMS_CERT_WORKERS"}
    assert not unknown, f".env.example documents variables no code reads: {sorted(unknown)}"


def test_env_example_values_are_accepted_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {**example_env(), **REQUIRED}.items():
        monkeypatch.setenv(key, value)
    for cls in set(settings_variables().values()):
        cls()  # raises a ValidationError naming the variable if .env.example holds a bad value


def test_the_local_stack_variables_have_a_compose_counterpart(tmp_path: Path) -> None:
    from lms_local.config import PORT_ENV, SECRET_KEYS, stack_env

    ports = {key: 1000 + i for i, key in enumerate([*PORT_ENV, "nats_monitor"])}
    local = stack_env(tmp_path, ports, dict.fromkeys(SECRET_KEYS, "x"), cert_workers=3)
    compose_side = documented_variables() | set(raw_compose()["x-app"]["environment"])
    missing = set(local) - LAUNCHER_ONLY - compose_side
    assert not missing, f"the laptop stack sets these but compose does not: {sorted(missing)}"


def test_relays_are_health_checked_on_their_own_health_port() -> None:
    services = rendered()["services"]
    for service in ("courses", "progress", "certificates", "notifications"):
        relay = services[f"{service}-relay"]
        # Set on the service itself, so a value copied into .env cannot move the port away from the check.
        port = relay["environment"][f"LMS_{service.upper()}_RELAY_PORT"]
        assert int(port) > 0, "0 would turn the relay's probe endpoint off"
        test = relay["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], "the image has python, not curl"
        assert f"http://127.0.0.1:{port}/healthz" in test[3]
        assert not relay.get("ports"), "the probe port stays on the private network"
    validate(rendered())
