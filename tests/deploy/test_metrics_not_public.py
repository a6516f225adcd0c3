"""Prometheus metrics are not served through the public ingress (issue 13, finding 11b).

The gateway's port is the one the world reaches. In production its ``/metrics`` answers 404 and the
metrics are served on ``LMS_METRICS_PORT`` instead, a port that no Kubernetes Service exposes, no
Ingress routes to, and Compose does not publish; only the monitoring namespace may reach it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.config import GatewaySettings
from tests.deploy.support import ROOT
from tests.deploy.test_compose import REQUIRED, example_env, rendered
from tests.deploy.test_k8s import OVERLAYS, container, of_kind, pod_labels, render, selects

PRODUCTION_AUTH = {
    "LMS_JWT_SECRET": "",
    # Only fetched when a token is verified; these tests send none.
    "LMS_JWT_JWKS_URL": "https://sso.example.org/realms/kentbilim/protocol/openid-connect/certs",
    "LMS_JWT_ISSUER": "https://sso.example.org/realms/kentbilim",
    "LMS_JWT_AUDIENCE": "kentbilim",
}


def _env_of(ctr: dict[str, Any], config: dict[str, str]) -> dict[str, str]:
    env = dict(config)
    env.update({e["name"]: e["value"] for e in ctr.get("env", []) if "value" in e})
    return env


@pytest.mark.unit
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_serves_the_gateways_metrics_only_on_an_internal_port(overlay: str) -> None:
    docs = render(overlay)
    gateway = of_kind(docs, "Deployment")["gateway"]
    [config] = of_kind(docs, "ConfigMap").values()
    ctr = container(gateway)
    env = _env_of(ctr, config["data"])
    metrics_port = int(env.get("LMS_METRICS_PORT", "0"))
    public_port = int(env.get("LMS_GATEWAY_PORT", "8000"))
    assert metrics_port not in (0, public_port), "the gateway must serve /metrics on its own port"

    # Prometheus scrapes that port, not the public one.
    annotations = gateway["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == metrics_port

    # The Service the Ingress routes to does not reach the metrics port, and the Ingress names no other.
    service = of_kind(docs, "Service")["gateway"]
    container_ports = {p["name"]: p["containerPort"] for p in ctr["ports"]}
    targets = {container_ports.get(p["targetPort"], p["targetPort"]) for p in service["spec"]["ports"]}
    assert metrics_port not in targets
    for ingress in of_kind(docs, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] == "gateway"
                [port] = [p for p in service["spec"]["ports"] if p["name"] == backend["port"].get("name")]
                assert container_ports.get(port["targetPort"], port["targetPort"]) == public_port

    # Network policies: the ingress controller reaches the public port only; the metrics port is
    # open to the monitoring namespace only.
    labels = pod_labels(gateway)
    for policy in of_kind(docs, "NetworkPolicy").values():
        if not selects(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            namespaces = [s.get("namespaceSelector", {}).get("matchLabels", {}) for s in rule["from"]]
            if metrics_port in ports:
                assert namespaces == [{"kubernetes.io/metadata.name": "monitoring"}], policy["metadata"]["name"]
            if {"kubernetes.io/metadata.name": "ingress-nginx"} in namespaces:
                assert ports == {public_port}, policy["metadata"]["name"]


@pytest.mark.unit
def test_compose_does_not_publish_the_metrics_port() -> None:
    gateway = rendered({**example_env(), **REQUIRED})["services"]["gateway"]
    env = gateway["environment"]
    assert env["LMS_ENV"] == "production"
    metrics_port = str(env["LMS_METRICS_PORT"])
    assert metrics_port not in ("0", "8000")
    published = [str(p).rsplit(":", 1)[-1] for p in gateway.get("ports", [])]
    assert published == ["8000"]


@pytest.mark.unit
@pytest.mark.parametrize("metrics_port", [0, 9100])
async def test_the_public_port_of_a_production_gateway_answers_404_on_metrics(metrics_port: int) -> None:
    settings = GatewaySettings(
        env="production",
        metrics_port=metrics_port,
        **{k.removeprefix("LMS_").lower(): v for k, v in PRODUCTION_AUTH.items()},
    )
    transport = httpx.ASGITransport(app=create_app(settings, web_dist=Path("/nonexistent")))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        r = await client.get("/metrics")
    assert r.status_code == 404
    assert "lms_http_requests_total" not in r.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def production_gateway(stack_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real gateway process in production mode on the test stack's Redis and NATS."""
    public, internal = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(stack_env)
    env.update(
        PRODUCTION_AUTH,
        LMS_ENV="production",
        LMS_GATEWAY_PORT=str(public),
        LMS_METRICS_PORT=str(internal),
        LMS_DATA_DIR=str(tmp_path),
        LMS_LOG_JSON="true",
    )
    log = (tmp_path / "gateway.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, cwd=ROOT, stdout=log, stderr=log)
    public_url, internal_url = f"http://127.0.0.1:{public}", f"http://127.0.0.1:{internal}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "gateway.log").read_text()[-3000:]
            try:
                if httpx.get(f"{public_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the production gateway did not become healthy"
            time.sleep(0.3)
        yield public_url, internal_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.integration
def test_a_real_production_gateway_serves_metrics_on_the_internal_port_only(
    production_gateway: tuple[str, str],
) -> None:
    public_url, internal_url = production_gateway
    httpx.post(f"{public_url}/graphql", json={"query": "{ __typename }"}, timeout=10)
    public = httpx.get(f"{public_url}/metrics", timeout=10)
    assert public.status_code == 404
    assert "lms_http_requests_total" not in public.text
    internal = httpx.get(f"{internal_url}/metrics", timeout=10)
    assert internal.status_code == 200
    assert 'lms_http_requests_total{method="POST",route="/graphql",service="gateway"' in internal.text
