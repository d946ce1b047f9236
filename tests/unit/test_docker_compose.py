"""Static checks of the production shape in docker-compose.yml (ARCHITECTURE.md §7).

Nothing is started: the compose file, the files it mounts and the Dockerfile are read and
checked against ``pathways_infra.settings`` so that a renamed setting or a missing
config file is caught before anyone deploys.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from pathways_infra.nats_auth import USERS, deployed_users_conf, password_variable
from pathways_infra.settings import SERVICE_NAMES, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
NATS_NODES = ("nats-1", "nats-2", "nats-3")
ENV_VAR = re.compile(r"\bPATHWAYS_[A-Z0-9_]+\b")


@pytest.fixture(scope="module")
def compose_text() -> str:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict), "docker-compose.yml must be a mapping at the top level"
    assert isinstance(data.get("services"), dict), "docker-compose.yml has no 'services' mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


# --- helpers -------------------------------------------------------------------------


def _command(service: dict[str, Any]) -> list[str]:
    """The service's command as a list of arguments (compose allows a string or a list)."""
    command = service.get("command", [])
    if isinstance(command, str):
        return shlex.split(command)
    return [str(arg) for arg in command]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """The service's environment as a dict (compose allows a mapping or KEY=VALUE list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {key: value for key, value in pairs}
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def _bind_sources(service: dict[str, Any]) -> list[str]:
    """Host paths of the service's bind mounts, short (``src:dst[:mode]``) or long syntax."""
    sources = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            sources.append(volume.split(":", 1)[0])
        elif isinstance(volume, dict) and volume.get("type", "bind") == "bind" and "source" in volume:
            sources.append(str(volume["source"]))
    return sources


def _mounted_nats_conf(name: str, service: dict[str, Any]) -> Path:
    """The repo file mounted as the node's NATS config (the argument of --config / -c)."""
    command = _command(service)
    config_flags = [i for i, arg in enumerate(command) if arg in ("--config", "-c")]
    assert config_flags, f"{name}: command {command} does not pass --config <file>"
    container_path = command[config_flags[0] + 1]
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) >= 2 and parts[1] == container_path:
                return REPO_ROOT / parts[0]
        elif isinstance(volume, dict) and volume.get("target") == container_path:
            return REPO_ROOT / str(volume["source"])
    raise AssertionError(f"{name}: config file {container_path} is not mounted from the repo")


def _flag_values(command: list[str], *flags: str) -> list[str]:
    return [command[i + 1] for i, arg in enumerate(command[:-1]) if arg in flags]


# --- NATS ----------------------------------------------------------------------------


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_node_runs_jetstream_in_the_pathways_cluster(services: dict[str, Any], node: str) -> None:
    assert node in services, f"NATS node {node!r} is missing from docker-compose.yml"
    service = services[node]
    assert str(service.get("image", "")).startswith("nats:"), f"{node}: expected a nats image"
    assert ":latest" not in service["image"], f"{node}: pin the NATS image tag, not {service['image']!r}"

    command = _command(service)
    conf = _mounted_nats_conf(node, service).read_text(encoding="utf-8")
    assert "-js" in command or "--jetstream" in command or re.search(r"^\s*jetstream\s*[{:]", conf, re.M), (
        f"{node}: JetStream is enabled neither by -js / --jetstream ({command}) nor in its config file"
    )
    cluster_names = _flag_values(command, "--cluster_name")
    assert cluster_names == ["pathways"] or re.search(r"^\s*name\s*:\s*pathways\b", conf, re.M), (
        f"{node}: the cluster must be named 'pathways' (flag --cluster_name or cluster {{ name }})"
    )
    assert _flag_values(command, "--name", "-n", "--server_name") == [node], (
        f"{node}: pass its server name with --name {node} (found {command})"
    )
    volume_names = [v.split(":", 1)[0] for v in service.get("volumes", []) if isinstance(v, str)]
    assert any(not v.startswith((".", "/")) for v in volume_names), f"{node}: JetStream needs a named volume"


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_node_routes_to_the_other_two(services: dict[str, Any], node: str) -> None:
    service = services[node]
    # nats-server's --routes flag replaces the config file's cluster routes, so when the
    # flag is given it alone decides; otherwise the routes come from the config file.
    route_flags = _flag_values(_command(service), "--routes")
    source = f"--routes {route_flags}" if route_flags else str(_mounted_nats_conf(node, service))
    routes_text = " ".join(route_flags) or _mounted_nats_conf(node, service).read_text(encoding="utf-8")
    for other in NATS_NODES:
        if other != node:
            assert re.search(rf"nats-route://{other}:6222\b", routes_text), (
                f"{node}: no cluster route to {other} (nats-route://{other}:6222) in {source}"
            )


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_config_syncs_every_write(services: dict[str, Any], node: str) -> None:
    conf_path = _mounted_nats_conf(node, services[node])
    assert conf_path.is_file(), f"{node}: mounted config {conf_path} does not exist in the repo"
    conf = conf_path.read_text(encoding="utf-8")
    assert re.search(r"^\s*sync_interval\s*:\s*always\b", conf, re.M), (
        f"{conf_path}: JetStream must fsync every write ('sync_interval: always', ARCHITECTURE.md §1 Jepsen)"
    )


def test_the_deployed_nats_users_are_those_the_embedded_server_has() -> None:
    users_conf = REPO_ROOT / "infra" / "deploy" / "nats" / "users.conf"
    assert users_conf.read_text(encoding="utf-8") == deployed_users_conf(), (
        f"{users_conf} is out of date: python -m pathways_infra.nats_auth > {users_conf.relative_to(REPO_ROOT)}"
    )


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_node_has_the_users_and_their_passwords(services: dict[str, Any], node: str) -> None:
    service = services[node]
    conf_path = _mounted_nats_conf(node, service)
    assert re.search(r"^\s*include\s+\./users\.conf\b", conf_path.read_text(encoding="utf-8"), re.M), (
        f"{conf_path}: must include ./users.conf"
    )
    mounted = {str(v).split(":")[1] for v in service.get("volumes", []) if str(v).startswith("./")}
    config_dir = _flag_values(_command(service), "--config", "-c")[0].rsplit("/", 1)[0]
    assert f"{config_dir}/users.conf" in mounted, f"{node}: users.conf must be mounted beside its config"
    env = _environment(service)
    for user in USERS:
        assert f"${{{password_variable(user)}:?" in env.get(password_variable(user), ""), (
            f"{node}: {password_variable(user)} must come from the deployer's environment, required"
        )


def test_only_nats_1_publishes_the_client_port(services: dict[str, Any]) -> None:
    published = {node: [str(p) for p in services[node].get("ports", [])] for node in NATS_NODES}
    assert any(p.endswith("4222") for p in published["nats-1"]), f"nats-1 must publish 4222, has {published}"
    for node in ("nats-2", "nats-3"):
        assert not any("4222" in p for p in published[node]), f"{node} must not publish 4222: {published[node]}"


# --- PostgreSQL and the Pathways services ---------------------------------------------


def test_all_services_exist(services: dict[str, Any]) -> None:
    missing = {"postgres", *SERVICE_NAMES} - services.keys()
    assert not missing, f"docker-compose.yml lacks services {sorted(missing)}"


def test_postgres_is_health_checked(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert str(postgres.get("image", "")).startswith("postgres:"), "postgres: expected a postgres image"
    assert "pg_isready" in str(postgres.get("healthcheck", {}).get("test", "")), (
        "postgres: healthcheck must use pg_isready"
    )
    assert "POSTGRES_PASSWORD" in _environment(postgres), "postgres: POSTGRES_PASSWORD must be set"


def test_every_pathways_env_var_is_a_setting(compose_text: str, services: dict[str, Any]) -> None:
    named = set(ENV_VAR.findall(compose_text))
    for service in services.values():
        named |= {key for key in _environment(service) if key.startswith("PATHWAYS_")}
    assert named, "docker-compose.yml names no PATHWAYS_* variable"
    nats_passwords = {password_variable(user) for user in USERS}  # the NATS servers', not the services'
    unknown = sorted(
        var for var in named - nats_passwords if var.removeprefix("PATHWAYS_").lower() not in Settings.model_fields
    )
    assert not unknown, (
        f"{unknown} do not match any field of pathways_infra.settings.Settings "
        f"(known: {sorted('PATHWAYS_' + field.upper() for field in Settings.model_fields)})"
    )


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_serves_itself(services: dict[str, Any], name: str) -> None:
    command = _command(services[name])
    assert command == ["serve", name], f"{name}: command must be ['serve', {name!r}], is {command}"
    assert command[1] in SERVICE_NAMES, f"{name}: {command[1]!r} is not one of {SERVICE_NAMES}"


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_uses_the_cluster(services: dict[str, Any], name: str) -> None:
    service = services[name]
    env = _environment(service)
    assert env.get("PATHWAYS_STREAM_REPLICAS") == "3", (
        f"{name}: PATHWAYS_STREAM_REPLICAS must be 3 in a 3-node cluster, is {env.get('PATHWAYS_STREAM_REPLICAS')!r}"
    )
    nats_url = env.get("PATHWAYS_NATS_URL", "")
    as_itself = f"nats://{name}:${{{password_variable(name)}}}@"
    for node in NATS_NODES:
        assert f"{as_itself}{node}:4222" in nats_url, (
            f"{name}: PATHWAYS_NATS_URL {nats_url!r} does not connect to {node} as {name} ({as_itself}{node}:4222)"
        )
    assert env.get("PATHWAYS_DATABASE_URL", "").startswith("postgresql://"), (
        f"{name}: PATHWAYS_DATABASE_URL must point at the postgres service"
    )
    port_var = f"PATHWAYS_{name.upper()}_PORT"
    expected_port = str(Settings.model_fields[f"{name}_port"].default)
    assert env.get(port_var) == expected_port, f"{name}: {port_var} must be {expected_port}, is {env.get(port_var)!r}"
    assert any(str(p).endswith(f":{expected_port}") for p in service.get("ports", [])), (
        f"{name}: port {expected_port} is not published ({service.get('ports')})"
    )
    depends_on = service.get("depends_on", {})
    assert "postgres" in depends_on, f"{name}: must depend on postgres"
    if isinstance(depends_on, dict):
        assert depends_on["postgres"].get("condition") == "service_healthy", (
            f"{name}: must wait for postgres to be healthy (condition: service_healthy)"
        )
    missing_nodes = [node for node in NATS_NODES if node not in depends_on]
    assert not missing_nodes, f"{name}: must depend on NATS nodes {missing_nodes}"
    build = service.get("build")
    assert build, f"{name}: must be built from the repo's Dockerfile"


def test_the_operator_makes_the_streams_before_any_service_starts(services: dict[str, Any]) -> None:
    streams = services["streams"]
    assert _command(streams) == ["streams", "ensure"]
    env = _environment(streams)
    assert env.get("PATHWAYS_STREAM_REPLICAS") == "3"
    as_operator = f"nats://operator:${{{password_variable('operator')}}}@"
    assert all(f"{as_operator}{node}:4222" in env.get("PATHWAYS_NATS_URL", "") for node in NATS_NODES)
    for name in SERVICE_NAMES:
        depends_on = services[name].get("depends_on", {})
        assert depends_on.get("streams", {}).get("condition") == "service_completed_successfully", (
            f"{name}: must wait for the streams to be made (its NATS user may not make them)"
        )


def test_the_enrollment_vault_keys_outlive_its_container(compose: dict[str, Any], services: dict[str, Any]) -> None:
    """The keys file is in the data folder: in the container's own layer it would go with the container,
    and every participant's personal data with it (and /app is not the service user's to write)."""
    enrollment = services["enrollment"]
    data_dir = _environment(enrollment).get("PATHWAYS_DATA_DIR")
    assert data_dir, "enrollment: PATHWAYS_DATA_DIR must name a folder on a volume"
    volumes = [str(volume).split(":") for volume in enrollment.get("volumes", [])]
    sources = [source for source, target, *_ in volumes if target == data_dir]
    assert sources and sources[0] in (compose.get("volumes") or {}), f"enrollment: {data_dir} must be a named volume"
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"install -d -o pathways -m 0700 {re.escape(data_dir)}\b", dockerfile), (
        f"Dockerfile: {data_dir} must exist, owned by the service user, for the volume to start so"
    )


# --- files referenced from the repo ------------------------------------------------------


def test_bind_mounted_files_exist(services: dict[str, Any]) -> None:
    missing = [
        f"{name}: {source}"
        for name, service in services.items()
        for source in _bind_sources(service)
        if source.startswith("./") and not (REPO_ROOT / source).exists()
    ]
    assert not missing, f"bind-mount sources missing from the repo: {missing}"


def test_dockerfile_exists(services: dict[str, Any]) -> None:
    dockerfile = REPO_ROOT / "Dockerfile"
    assert dockerfile.is_file(), f"{dockerfile} is missing; the services are built from it"
    text = dockerfile.read_text(encoding="utf-8")
    assert re.search(r'^ENTRYPOINT\s+\[\s*"pathways"\s*\]', text, re.M), "Dockerfile: ENTRYPOINT must be ['pathways']"
    for name in SERVICE_NAMES:
        build = services[name]["build"]
        named = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
        context = build.get("context", ".") if isinstance(build, dict) else build
        assert (REPO_ROOT / context / named).resolve() == dockerfile, f"{name}: build must use {dockerfile}"
