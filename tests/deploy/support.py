"""What the deployment tests share: the ``LMS_*`` variables the code reads, and Compose interpolation."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]

# Modules holding a pydantic-settings class read from LMS_* (a class not importable yet is skipped).
SETTINGS_MODULES = (
    "lms_shared.settings",
    "courses.config",
    "progress.config",
    "certificates.config",
    "notifications.config",
    "gateway.config",
)

# LMS_* variables read with os.environ rather than through a Settings class, and where.
READ_DIRECTLY = {
    "LMS_OIDC_ISSUER": "gateway/src/gateway/devauth.py",
    "LMS_OIDC_CLIENT_ID": "gateway/src/gateway/devauth.py",
    "LMS_OIDC_SCOPES": "gateway/src/gateway/devauth.py",
    "LMS_ROLE": "deploy/docker/entrypoint.sh (exported for healthcheck.py)",
    "LMS_COURSES_RELAY_PORT": "shared/src/lms_shared/outbox.py main() (--health-port default)",
    "LMS_PROGRESS_RELAY_PORT": "shared/src/lms_shared/outbox.py main() (--health-port default)",
    "LMS_CERTIFICATES_RELAY_PORT": "shared/src/lms_shared/outbox.py main() (--health-port default)",
    "LMS_NOTIFICATIONS_RELAY_PORT": "shared/src/lms_shared/outbox.py main() (--health-port default)",
    "LMS_RELAY_HEALTH_PORT": "shared/src/lms_shared/outbox.py main() (--health-port default)",
}

# Variables only the laptop launcher uses: the ports its embedded servers bind. Containers get real hosts.
LAUNCHER_ONLY = {
    "LMS_PG_PORT",
    "LMS_REDIS_PORT",
    "LMS_NATS_PORT",
    "LMS_S3_PORT",
    "LMS_SMTP_PORT",  # the development SMTP server (lms_local.mailserver); compose names a real relay
    "LMS_NATS_MONITOR_PORT",
    "LMS_PG_OS_USER",
    "LMS_REPLICA",
    "LMS_FAULT_RELAY_EXIT_AFTER_PUBLISH",
}


def settings_classes() -> list[type[BaseSettings]]:
    found: list[type[BaseSettings]] = []
    for name in SETTINGS_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings) and value.__module__ == name:
                found.append(value)
    return found


def settings_variables() -> dict[str, type[BaseSettings]]:
    """Every ``LMS_*`` variable a Settings class reads -> the most specific class that reads it."""
    variables: dict[str, type[BaseSettings]] = {}
    for cls in settings_classes():
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field in cls.model_fields:
            variables[f"{prefix}{field}".upper()] = cls
    return variables


def known_variables() -> set[str]:
    return set(settings_variables()) | set(READ_DIRECTLY)


_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(ValueError):
    """A ``${VAR:?message}`` whose variable is unset or empty."""


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose-file interpolation (``$$``, ``$VAR``, ``${VAR}``, ``:-``, ``-``, ``:?``, ``?``) on any YAML value."""
    if isinstance(value, dict):
        return {interpolate(k, env): interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("plain"):
            return env.get(match.group("plain"), "")
        expression = match.group("braced")
        parsed = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?", expression, re.DOTALL)
        if parsed is None:
            raise ValueError(f"invalid interpolation ${{{expression}}}")
        name, operator, argument = parsed.groups()
        current = env.get(name)
        unset = current is None or (operator is not None and operator.startswith(":") and current == "")
        if operator in (":-", "-"):
            return str(interpolate(argument, env)) if unset else str(current)
        if operator in (":?", "?"):
            if unset:
                raise MissingVariable(f"{name}: {argument}")
            return str(current)
        return current or ""

    return _VARIABLE.sub(replace, value)
