"""docker/: the compose stack, the image and the example policy, checked without a Docker engine.

The compose file is read with PyYAML (anchors and merge keys resolved) and held against the
code it configures: every `VEILSTREAM_*` name must be a field of `WorkerSettings` or
`VaultSettings`, the shared environment must parse with both, the mounted policy must load.
`docker compose config` validates the file too where the compose plugin is installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

from streams.settings import WorkerSettings
from vault import policies
from vault.settings import VaultSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"

INFRA = {"kafka", "postgres", "crm-db", "connect", "connector"}
VEILSTREAM = {"migrate", "topics", "worker", "unmask-worker", "api"}
COMMANDS = {
    "migrate": ["db", "migrate"],
    "topics": ["topics", "create"],
    "worker": ["worker", "--role", "mask"],
    "unmask-worker": ["worker", "--role", "unmask"],
    "api": ["api"],
}
#: Settings every veilstream service gets from the shared `x-veilstream-env` block.
SHARED_ENV = {
    "VEILSTREAM_BROKER_URL",
    "VEILSTREAM_DATABASE_URL",
    "VEILSTREAM_MASTER_KEY_FILE",
    "VEILSTREAM_POLICY_FILES",
    "VEILSTREAM_CDC_TABLES",
    "VEILSTREAM_PARTITIONS",
    "VEILSTREAM_METRICS_HOST",
    "VEILSTREAM_METRICS_PORT",
}
TORCH_PIN = "torch==2.13.0"
#: Inside a container a server must bind every interface to be reachable from the others.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
#: What the tests give `${POSTGRES_PASSWORD}`: not a secret.
STAND_IN_PASSWORD = "pw-from-the-test"  # noqa: S105

#: `${NAME}`, `${NAME:?message}`, `${NAME:-default}` (and the forms without a colon).
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[?-])(?P<arg>[^}]*))?\}")
REQUIRED_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|(?<![A-Z])KEYS?(?![A-Z])", re.I)
#: The password of a `scheme://user:password@host/...` URL, taken by hand: `${X:?msg}` holds a `?`.
URL_PASSWORD = re.compile(r"^[a-z0-9+]+://[^:@/]+:(?P<password>.*)@[^@/]+(?:/.*)?$")
#: A base64 32-byte key as `veilstream keys generate-master` prints it (or anything as long).
KEY_LIKE = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{43}=?(?![A-Za-z0-9+/_=-])")


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker/compose.yaml must be a mapping"
    return data


def _service(compose: Mapping[str, Any], name: str) -> dict[str, Any]:
    services = compose.get("services") or {}
    assert name in services, f"docker/compose.yaml has no service {name!r}"
    return services[name]


def _env(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, mapping or list form, as strings."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {k: v for k, v in pairs}
    return {
        str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in env.items()
    }


def _command(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command or []]


def _ports(service: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """Published ports as (host ip, host port, container port)."""
    out = []
    for port in service.get("ports") or []:
        if isinstance(port, Mapping):
            out.append((str(port.get("host_ip", "")), int(port["published"]), int(port["target"])))
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)
        if len(parts) == 3:
            out.append((parts[0], int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            out.append(("", int(parts[0]), int(parts[1])))
    return out


def _interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose-style `${...}` substitution; a required variable that is unset fails the test."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"] or "", m["arg"] or ""
        if env.get(name):
            return env[name]
        if op.endswith("-"):
            return arg
        if op.endswith("?"):
            pytest.fail(f"${{{name}}} is required and the test gave it no value")
        return ""

    return INTERPOLATION.sub(sub, text)


def _settings_env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    assert prefix == "VEILSTREAM_", f"{cls.__name__} reads {prefix!r}, the compose file assumes VEILSTREAM_"
    return {f"{prefix}{name}".upper() for name in cls.model_fields}


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuation lines joined."""
    out, pending = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction, args in _dockerfile():
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, args))
    return stages


def _arg_defaults() -> dict[str, str]:
    defaults = {}
    for instruction, args in _dockerfile():
        if instruction == "ARG" and "=" in args:
            name, _, value = args.partition("=")
            defaults.setdefault(name.strip(), value.strip().strip("\"'"))
    return defaults


def _env_instructions(stage: list[tuple[str, str]]) -> dict[str, str]:
    env = {}
    for instruction, args in stage:
        if instruction == "ENV":
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def _exec_form(stage: list[tuple[str, str]], instruction: str) -> list[str] | None:
    found = [args for inst, args in stage if inst == instruction]
    return yaml.safe_load(found[-1]) if found else None  # JSON exec form is YAML too


def _walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _walk_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_strings(v)


# ---------------------------------------------------------------- services


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    missing = (INFRA | VEILSTREAM) - set(compose.get("services") or {})
    assert not missing, f"docker/compose.yaml lacks services: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(VEILSTREAM))
def test_veilstream_services_run_the_image_built_from_docker_dockerfile(
    compose: dict[str, Any], name: str
) -> None:
    service = _service(compose, name)
    build = service.get("build")
    assert isinstance(build, Mapping), f"{name}: needs `build:` with the repository root as context"
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT, f"{name}: the build context must be the repository root"
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    images = {_service(compose, other).get("image") for other in VEILSTREAM}
    assert len(images) == 1, f"veilstream services must share one image, found {images}"


@pytest.mark.parametrize(("name", "argv"), sorted(COMMANDS.items()))
def test_each_service_runs_its_veilstream_command(
    compose: dict[str, Any], name: str, argv: list[str]
) -> None:
    service = _service(compose, name)
    assert "entrypoint" not in service, f"{name}: keep the image's ENTRYPOINT (veilstream)"
    assert _command(service) == argv


def test_the_masking_and_unmask_workers_run_different_roles(compose: dict[str, Any]) -> None:
    roles = {}
    for name in ("worker", "unmask-worker"):
        argv = _command(_service(compose, name))
        assert argv[0] == "worker" and "--role" in argv, f"{name}: `worker --role ...`"
        roles[name] = argv[argv.index("--role") + 1]
    assert roles == {"worker": "mask", "unmask-worker": "unmask"}


def test_the_api_listens_on_all_interfaces_and_publishes_8080(compose: dict[str, Any]) -> None:
    api = _service(compose, "api")
    env = _env(api)
    assert env.get("VEILSTREAM_API_HOST") == ALL_INTERFACES, "inside a container 127.0.0.1 is unreachable"
    container_port = int(env.get("VEILSTREAM_API_PORT", VaultSettings.model_fields["api_port"].default))
    published = {(host, target) for _, host, target in _ports(api)}
    assert (8080, container_port) in published, f"api must publish 8080, publishes {published}"
    assert "/healthz" in " ".join(_walk_strings(api.get("healthcheck"))), "api healthcheck: GET /healthz"


def test_kafka_is_a_single_kraft_node_without_topic_auto_creation(compose: dict[str, Any]) -> None:
    kafka = _service(compose, "kafka")
    assert kafka["image"] == "apache/kafka:3.8.0"
    env = _env(kafka)
    assert env.get("CLUSTER_ID"), "KRaft needs CLUSTER_ID to format its storage"
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from `veilstream topics create`"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert kafka.get("healthcheck"), "one-shots wait for a healthy broker"


def test_kafka_advertises_the_in_network_and_the_host_listener(compose: dict[str, Any]) -> None:
    kafka = _service(compose, "kafka")
    env = _env(kafka)
    advertised = {urlsplit(u).netloc for u in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    listeners = {urlsplit(u).port for u in env["KAFKA_LISTENERS"].split(",")}
    assert "kafka:9092" in advertised
    host_ports = [(host, target) for _, host, target in _ports(kafka) if target != 9092]
    assert host_ports, "kafka must publish a host listener (e.g. 29092)"
    for host, target in host_ports:
        assert target in listeners, f"published container port {target} has no listener"
        assert f"localhost:{host}" in advertised, f"host clients need localhost:{host} advertised"
    # The workers bootstrap from an advertised in-network listener.
    broker = _env(_service(compose, "worker"))["VEILSTREAM_BROKER_URL"]
    assert set(WorkerSettings(broker_url=broker).bootstrap_servers()) <= advertised


def test_postgres_has_a_pg_isready_healthcheck_and_a_volume(compose: dict[str, Any]) -> None:
    postgres = _service(compose, "postgres")
    assert postgres["image"] == "postgres:16-alpine"
    assert "pg_isready" in " ".join(_walk_strings(postgres.get("healthcheck")))
    volumes = [
        str(v).split(":")[0] if not isinstance(v, Mapping) else v["source"] for v in postgres["volumes"]
    ]
    assert any(v in (compose.get("volumes") or {}) for v in volumes), "postgres data needs a named volume"


# ---------------------------------------------------------------- start order


@pytest.mark.parametrize("name", ["worker", "unmask-worker"])
def test_workers_start_after_migrations_and_topics_succeeded(compose: dict[str, Any], name: str) -> None:
    depends = _service(compose, name).get("depends_on")
    assert isinstance(depends, Mapping), f"{name}: depends_on must name conditions"
    for one_shot in ("migrate", "topics"):
        assert (depends.get(one_shot) or {}).get("condition") == "service_completed_successfully", (
            f"{name} must wait for {one_shot} to complete successfully"
        )


@pytest.mark.parametrize(("name", "needs"), [("migrate", "postgres"), ("topics", "kafka")])
def test_one_shots_wait_for_a_healthy_server_and_never_restart(
    compose: dict[str, Any], name: str, needs: str
) -> None:
    service = _service(compose, name)
    assert service["depends_on"][needs]["condition"] == "service_healthy"
    assert service.get("restart", "no") == "no", f"{name} is a one-shot: a restart policy reruns it forever"


def test_the_api_starts_after_migrations(compose: dict[str, Any]) -> None:
    depends = _service(compose, "api")["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"


# ---------------------------------------------------------------- settings


def test_every_veilstream_variable_is_a_real_setting(compose: dict[str, Any]) -> None:
    valid = _settings_env_names(WorkerSettings) | _settings_env_names(VaultSettings)
    used = {
        (name, key)
        for name, service in (compose.get("services") or {}).items()
        for key in _env(service)
        if key.upper().startswith("VEILSTREAM_")
    }
    used |= {("x-veilstream-env", key) for key in compose.get("x-veilstream-env") or {}}
    assert used, "no VEILSTREAM_* variable found"
    unknown = sorted(f"{where}: {key}" for where, key in used if key not in valid)
    assert not unknown, f"not fields of WorkerSettings/VaultSettings: {unknown}"


@pytest.mark.parametrize("name", sorted(VEILSTREAM))
def test_the_shared_environment_parses_as_worker_and_vault_settings(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(compose, name)
    env = _env(service)
    assert set(env) >= SHARED_ENV, f"{name} lacks {sorted(SHARED_ENV - set(env))}"
    for key in list(os.environ):
        if key.upper().startswith("VEILSTREAM_"):
            monkeypatch.delenv(key)
    fake = {"POSTGRES_PASSWORD": STAND_IN_PASSWORD}
    for key, value in env.items():
        monkeypatch.setenv(key, _interpolate(value, fake))

    worker, vault = WorkerSettings(), VaultSettings()

    assert worker.bootstrap_servers() == ["kafka:9092"]
    assert worker.cdc_tables == ("contacts", "tickets")
    assert worker.partitions == 4
    assert (worker.metrics_host, worker.metrics_port) == (ALL_INTERFACES, 9400)
    assert worker.policy_files, "VEILSTREAM_POLICY_FILES names no policy"
    db = urlsplit(vault.database_url.get_secret_value())
    assert (db.scheme, db.hostname, db.port, db.path) == ("postgresql", "postgres", 5432, "/veilstream")
    assert db.password == fake["POSTGRES_PASSWORD"]
    assert vault.master_key is None, "the master key comes from a file (compose secret) only"
    assert vault.master_key_file is not None


@pytest.mark.parametrize("name", sorted(VEILSTREAM))
def test_the_master_key_file_is_a_compose_secret(compose: dict[str, Any], name: str) -> None:
    service = _service(compose, name)
    key_file = PurePosixPath(_env(service)["VEILSTREAM_MASTER_KEY_FILE"])
    assert key_file.parent == PurePosixPath("/run/secrets"), "compose mounts secrets at /run/secrets/<name>"
    declared = compose.get("secrets") or {}
    assert key_file.name in declared, f"secret {key_file.name!r} is not declared at the top level"
    assert (declared[key_file.name] or {}).get("file") == "./secrets/master_key"
    granted = {s if isinstance(s, str) else s.get("source") for s in service.get("secrets") or []}
    assert key_file.name in granted, f"{name} does not mount the {key_file.name!r} secret"


# ---------------------------------------------------------------- secrets


def test_no_secret_is_written_in_the_compose_file(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for m in INTERPOLATION.finditer(text):
        if SECRET_NAME.search(m["name"]):
            assert m["op"] == ":?", f"${{{m['name']}}} must be required (`:?`), never given a default"
    assert not KEY_LIKE.search(text), "something shaped like a base64 key is written in compose.yaml"
    for name, service in (compose.get("services") or {}).items():
        for key, value in _env(service).items():
            assert key not in {"VEILSTREAM_MASTER_KEY", "VEILSTREAM_PREVIOUS_MASTER_KEYS"}, (
                f"{name}: {key} puts a key in the environment; use VEILSTREAM_MASTER_KEY_FILE"
            )
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert REQUIRED_VAR.fullmatch(value), f"{name}: {key} must be a `${{VAR:?...}}` interpolation"


def test_the_database_password_is_an_interpolation(compose: dict[str, Any]) -> None:
    server = INTERPOLATION.fullmatch(_env(_service(compose, "postgres"))["POSTGRES_PASSWORD"])
    assert server is not None, "postgres: POSTGRES_PASSWORD must be an interpolation"
    for name in sorted(VEILSTREAM):
        url = URL_PASSWORD.match(_env(_service(compose, name))["VEILSTREAM_DATABASE_URL"])
        assert url is not None, f"{name}: VEILSTREAM_DATABASE_URL must carry user:password@host"
        client = INTERPOLATION.fullmatch(url["password"])
        assert client is not None and client["op"] == ":?", (
            f"{name}: the database password must be a required `${{VAR:?...}}` interpolation"
        )
        assert client["name"] == server["name"], f"{name}: the URL and postgres must read the same variable"


def test_the_secrets_folder_ignores_everything_but_its_gitignore() -> None:
    rules = [
        line.strip()
        for line in (DOCKER / "secrets" / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules == ["*", "!.gitignore"]
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return
    ignored = subprocess.run(
        [git, "check-ignore", "-q", "--no-index", "docker/secrets/master_key"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, "git would pick up docker/secrets/master_key"


# ---------------------------------------------------------------- policy


def test_the_mounted_example_policy_loads(compose: dict[str, Any]) -> None:
    worker = _service(compose, "worker")
    mounts = {}
    for volume in worker.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        mounts[PurePosixPath(target)] = (COMPOSE.parent / source).resolve()
    paths = json.loads(_env(worker)["VEILSTREAM_POLICY_FILES"])
    assert paths, "VEILSTREAM_POLICY_FILES names no policy"
    tables = set(json.loads(_env(worker)["VEILSTREAM_CDC_TABLES"]))
    for path in paths:
        inside = PurePosixPath(path)
        mount = next((m for m in mounts if inside.is_relative_to(m)), None)
        assert mount is not None, f"{inside} is not under a mounted folder of the worker"
        policy = policies.load(mounts[mount] / inside.relative_to(mount))  # the worker validates it so
        assert policy.tenant == "acme"
        assert policy.unmask_policies, "the example shows an unmask policy"
        assert {column.split(".")[0] for column in policy.fields} <= tables, (
            "field rules name tables the worker does not read"
        )


# ---------------------------------------------------------------- Dockerfile


def test_every_stage_starts_from_python_3_11_slim() -> None:
    defaults = _arg_defaults()
    for stage in _stages():
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m[1], m[0]), image)
        assert image == "python:3.11-slim"


def _pip_installs() -> list[list[str]]:
    """Every `pip install ...` command of every RUN, in build order, as argv lists."""
    commands = []
    for instruction, args in _dockerfile():
        if instruction == "RUN":
            for part in re.split(r"&&|\|\||;", args):
                argv = shlex.split(part)
                if argv[:2] == ["pip", "install"] or argv[1:4] == ["-m", "pip", "install"]:
                    commands.append(argv)
    return commands


def test_cpu_torch_is_installed_before_the_ner_extra() -> None:
    installs = _pip_installs()
    torch_at = [i for i, argv in enumerate(installs) if TORCH_PIN in argv]
    ner_at = [i for i, argv in enumerate(installs) if ".[ner]" in argv]
    assert torch_at, f"the Dockerfile must `pip install {TORCH_PIN}`"
    assert ner_at, "the Dockerfile must `pip install .[ner]`"
    assert torch_at[0] < ner_at[0], "torch (CPU build) must be installed before .[ner] pulls flair"
    torch = installs[torch_at[0]]
    assert any(a == "-i" or a.startswith("--index-url") for a in torch), "torch comes from a CPU-wheel index"


def test_the_torch_pin_matches_the_makefile() -> None:
    pins = set(re.findall(r"torch==[0-9][0-9.]*", (ROOT / "Makefile").read_text(encoding="utf-8")))
    assert pins <= {TORCH_PIN}, f"the Makefile pins {pins}, docker/Dockerfile {TORCH_PIN}"


def test_the_image_runs_veilstream_as_a_non_root_user_offline() -> None:
    final = _stages()[-1]
    assert _exec_form(final, "ENTRYPOINT") == ["veilstream"]
    assert _exec_form(final, "CMD") == ["worker", "--role", "mask"]
    users = [args.split(":")[0] for instruction, args in final if instruction == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    assert users[-1] not in {"root", "0"}
    user_at = max(i for i, (instruction, _) in enumerate(final) if instruction == "USER")
    assert all(inst != "RUN" for inst, _ in final[user_at:]), "nothing runs as root after USER"
    assert _env_instructions(final).get("HF_HUB_OFFLINE") == "1"


def test_the_build_context_carries_what_the_package_needs_and_nothing_else() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = {"pyproject.toml", pyproject["project"]["readme"], *packages}
    copied = set()
    for instruction, args in _dockerfile():
        if instruction == "COPY" and "--from" not in args:
            copied.update(p.rstrip("/") for p in shlex.split(args)[:-1])
    assert needed <= copied, f"the Dockerfile does not COPY {sorted(needed - copied)}"
    rules = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*", "the context is an allow-list: everything is excluded first"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    assert copied <= allowed, f"COPY sources the dockerignore excludes: {sorted(copied - allowed)}"
    assert not allowed & {".venv", ".git", "data", "tests", "docker"}


# ---------------------------------------------------------------- docker compose config


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no `docker` CLI on this machine: `docker compose config` cannot validate the file")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the `docker` CLI has no compose plugin (`docker compose version` fails)")
    # A copy with a stand-in master key, so a checkout without docker/secrets/master_key validates.
    shutil.copytree(DOCKER, tmp_path / "docker", ignore=shutil.ignore_patterns("master_key"))
    (tmp_path / "docker" / "secrets" / "master_key").write_text("stand-in\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env["POSTGRES_PASSWORD"] = STAND_IN_PASSWORD
    result = subprocess.run(
        [docker, "compose", "-f", str(tmp_path / "docker" / "compose.yaml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- CDC from a real database


def test_the_crm_database_replicates_logically(compose: dict[str, Any]) -> None:
    crm = _service(compose, "crm-db")
    command = " ".join(_command(crm))
    assert "wal_level=logical" in command and "max_replication_slots" in command
    init = DOCKER / "crm" / "init.sql"
    mounts = " ".join(_walk_strings(crm.get("volumes")))
    assert "./crm/init.sql:/docker-entrypoint-initdb.d/" in mounts and init.is_file()
    sql = init.read_text(encoding="utf-8")
    assert "CREATE TABLE contacts" in sql and "CREATE TABLE tickets" in sql and "REPLICA IDENTITY FULL" in sql
    assert REQUIRED_VAR.fullmatch(_env(crm)["POSTGRES_PASSWORD"])


def test_debezium_streams_the_crm_tables_to_the_topics_the_worker_reads(compose: dict[str, Any]) -> None:
    from streams.routing import TopicPattern

    connect, connector = _service(compose, "connect"), _service(compose, "connector")
    assert "debezium/connect" in connect["image"]
    assert set(connect["depends_on"]) == {"kafka", "crm-db"}
    assert connect.get("healthcheck") and connector["depends_on"]["connect"]["condition"] == "service_healthy"
    assert connector.get("restart") == "no"
    assert "http://connect:8083/connectors/crm/config" in _command(connector)
    config = json.loads((DOCKER / "crm" / "connector.json").read_text(encoding="utf-8"))
    assert config["connector.class"] == "io.debezium.connector.postgresql.PostgresConnector"
    assert config["database.hostname"] == "crm-db" and config["plugin.name"] == "pgoutput"
    assert config["database.password"] == "${env:CRM_DB_PASSWORD}", "the password never lands in a topic"
    assert _env(connect)["CONNECT_CONFIG_PROVIDERS"] == "env"
    worker_env = _env(_service(compose, "worker"))
    pattern = TopicPattern.parse(worker_env["VEILSTREAM_CDC_TOPIC_PATTERN"])
    tables = json.loads(worker_env["VEILSTREAM_CDC_TABLES"])
    for table in config["table.include.list"].split(","):
        schema, name = table.split(".")
        assert name in tables
        assert pattern.topic(name) == f"{config['topic.prefix']}.{schema}.{name}"
    partitions = int(worker_env["VEILSTREAM_PARTITIONS"])
    assert int(config["topic.creation.default.partitions"]) == partitions, (
        "a masked record keeps its partition"
    )


@pytest.mark.parametrize(("name", "port"), [("worker", 9400), ("unmask-worker", 9400)])
def test_workers_are_healthy_when_ready(compose: dict[str, Any], name: str, port: int) -> None:
    probe = " ".join(_walk_strings(_service(compose, name).get("healthcheck")))
    assert f"http://127.0.0.1:{port}/readyz" in probe
