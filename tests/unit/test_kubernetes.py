"""docker/kubernetes/: the manifests, validated against Kubernetes' own schemas offline
(`kubernetes-validate`, strict: unknown fields are errors) and held against the code they run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from streams.settings import DEFAULT_METRICS_PORTS, WorkerSettings
from vault import policies

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "docker" / "kubernetes"
#: The oldest Kubernetes release the manifests are checked against (autoscaling/v2 is GA since 1.23).
KUBERNETES = "1.29.0"


def _documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]
    return docs


DOCS = _documents()


def _get(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in DOCS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"no single {kind} {name}"
    return found[0]


def test_every_file_of_the_folder_is_a_resource() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_kubernetes(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize(
    ("name", "role"), [("veilstream-worker", "mask"), ("veilstream-unmask-worker", "unmask")]
)
def test_workers_probe_healthz_and_readyz_on_their_roles_port(name: str, role: str) -> None:
    container = _container(_get("Deployment", name))
    assert container["args"] == ["worker", "--role", role]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": DEFAULT_METRICS_PORTS[role]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_the_master_key_and_database_url_come_from_a_secret() -> None:
    config = _get("ConfigMap", "veilstream-config")["data"]
    key_file = Path(config["VEILSTREAM_MASTER_KEY_FILE"])
    text = "\n".join(json.dumps(d) for d in DOCS)
    assert 'VEILSTREAM_MASTER_KEY"' not in text and "postgresql://" not in text
    for doc in DOCS:
        spec = doc["spec"]["template"]["spec"] if doc["kind"] in ("Deployment", "Job") else None
        if spec is None:
            continue
        (container,) = spec["containers"]
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        secret = next(v for v in spec["volumes"] if v["name"] == "secrets")["secret"]
        assert secret["secretName"] == "veilstream-secrets"
        assert Path(mounts["secrets"]) / secret["items"][0]["path"] == key_file
        env = {e["name"]: e for e in container.get("env", [])}
        assert env["VEILSTREAM_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "veilstream-secrets"


def test_the_workers_scale_on_consumer_lag() -> None:
    hpa = _get("HorizontalPodAutoscaler", "veilstream-worker")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "veilstream-worker",
    }
    (metric,) = hpa["metrics"]
    assert metric["type"] == "External" and metric["external"]["metric"]["name"] == "veilstream_consumer_lag"
    config = _get("ConfigMap", "veilstream-config")["data"]
    assert hpa["maxReplicas"] <= int(config["VEILSTREAM_PARTITIONS"]), "workers beyond the partitions idle"


def test_the_api_is_behind_a_service() -> None:
    service = _get("Service", "veilstream-api")["spec"]
    api = _get("Deployment", "veilstream-api")
    assert service["selector"] == api["spec"]["template"]["metadata"]["labels"]
    assert service["ports"][0]["targetPort"] == "http" and _container(api)["args"] == ["api"]


def test_the_configuration_parses_as_the_worker_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _get("ConfigMap", "veilstream-config")["data"].items():
        monkeypatch.setenv(name, value)
    settings = WorkerSettings()
    assert settings.bootstrap_servers() == ["kafka:9092"] and settings.log_format == "json"
    for name, text in _get("ConfigMap", "veilstream-policies")["data"].items():
        policies.parse(yaml.safe_load(text), name)  # unmask policies too, as the worker reads them
