"""deploy/ without Docker: what the images copy exists, the commands they run work in the
local virtualenvs, the compose file passes `docker-compose config` (when the client is
installed, as `make test` does) and a structural check, and nginx accepts its config."""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nlu import paths

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {
    "POSTGRES_PASSWORD",
    "AFTERCARE_STAFF_TOKEN",
    "AFTERCARE_HOTLINE_TOKEN",
    "RASA_TOKEN",
    "TELEGRAM_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "AFTERCARE_WEBCHAT_SECRET",
    "AFTERCARE_REST_SECRET",
}
REQUIRED = SECRETS | {"PUBLIC_HOST", "TLS_CERT_DIR"}


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = dockerfile.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _exec_form(value: str) -> list[str]:
    return yaml.safe_load(value)  # a JSON array is YAML


@pytest.mark.parametrize("name", ["app.Dockerfile", "rasa.Dockerfile"])
def test_what_the_images_copy_exists(name):
    copies = [v for k, v in _instructions(DEPLOY / name) if k == "COPY"]
    assert copies
    for value in copies:
        *sources, _target = shlex.split(value)
        for source in sources:
            assert (ROOT / source).exists(), f"{name} copies {source}, which is missing"


def test_the_app_image_runs_the_app_command():
    steps = _instructions(DEPLOY / "app.Dockerfile")
    cmd = _exec_form(dict(steps)["CMD"])
    assert cmd == ["aftercare", "run"]
    assert any(k == "RUN" and "pip install ." in v for k, v in steps)
    aftercare = Path(sys.executable).with_name("aftercare")
    done = subprocess.run([aftercare, *cmd[1:], "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    health = dict(steps)["HEALTHCHECK"]
    assert "/readyz" in health


def test_the_rasa_image_trains_and_serves_with_the_nlu_commands():
    steps = _instructions(DEPLOY / "rasa.Dockerfile")
    runs = [v for k, v in steps if k == "RUN"]
    assert any("python -m nlu train" in r for r in runs)
    assert any("pip install -r nlu/requirements-rasa.txt" in r for r in runs)
    cmd = _exec_form(dict(steps)["CMD"])
    assert cmd[:4] == ["python", "-m", "nlu", "serve"]
    rasa_python = paths.rasa_venv() / "bin" / "python"
    # The build step, as the image runs it (here the model is already up to date, so
    # it checks rather than trains; the image trains from scratch the same way).
    train = subprocess.run(
        [rasa_python, "-m", "nlu", "train"], cwd=ROOT, capture_output=True, text=True
    )
    assert train.returncode == 0, train.stderr
    assert paths.current_model().exists()
    serve = subprocess.run(
        [rasa_python, *cmd[1:], "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert serve.returncode == 0, serve.stderr


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_every_secret_of_the_compose_file_is_required():
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{(\w+)", text))
    assert used >= REQUIRED
    for name in used:
        forms = set(re.findall(r"\$\{" + name + r"(:\?|:-|-|\})", text))
        assert forms == {":?"}, f"{name} has a default ({forms}): it must be required"


def test_the_compose_layout():
    services = _compose()["services"]
    assert set(services) == {"db", "nlu", "app", "proxy"}
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert "healthcheck" in service, name
    app = services["app"]
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["build"]["dockerfile"] == "deploy/app.Dockerfile"
    assert services["nlu"]["build"]["dockerfile"] == "deploy/rasa.Dockerfile"
    assert "photos:/srv/var" in app["volumes"]
    assert app["environment"]["RASA_URL"] == "http://nlu:5005"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert app["environment"]["TELEGRAM_WEBHOOK_URL"].endswith("/telegram/webhook")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    proxy = services["proxy"]
    assert "443:443" in proxy["ports"]
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in proxy["volumes"])
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    for volume in ("pgdata", "photos"):
        assert volume in _compose()["volumes"]


def test_only_the_proxy_is_trusted_for_x_forwarded_for():
    """The per-address abuse limit believes X-Forwarded-For only from the proxy: its
    fixed address on the network it shares with the apps, which no replica can get."""
    compose = _compose()
    app, proxy = compose["services"]["app"], compose["services"]["proxy"]
    trusted = [
        ipaddress.ip_network(n.strip())
        for n in app["environment"]["AFTERCARE_TRUSTED_PROXIES"].split(",")
    ]
    assert set(proxy["networks"]) == {"edge"} and "edge" in app["networks"]
    proxy_ip = ipaddress.ip_address(proxy["networks"]["edge"]["ipv4_address"])
    (pool,) = compose["networks"]["edge"]["ipam"]["config"]
    subnet, replicas = ipaddress.ip_network(pool["subnet"]), ipaddress.ip_network(pool["ip_range"])
    assert proxy_ip in subnet and proxy_ip not in replicas
    assert any(proxy_ip in net for net in trusted)
    for net in trusted:  # nothing but the proxy: no replica, nothing outside the network
        assert net.subnet_of(subnet) and not net.overlaps(replicas)


@pytest.mark.parametrize("conf", ["deploy/nginx.conf", "scripts/run_prod.py"])
def test_the_proxies_pass_the_client_address_and_scheme(conf):
    text = (ROOT / conf).read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert re.search(r"proxy_set_header X-Forwarded-Proto (https|\$scheme);", text)


def _compose_client() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_docker_compose_config_accepts_it_only_with_every_secret_set(tmp_path):
    client = _compose_client()
    if client is None:
        pytest.skip("no docker-compose client (make system-deps installs Debian's)")
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    env.update({name: f"test-{name.lower()}" for name in REQUIRED}, TLS_CERT_DIR=str(tmp_path))
    ok = subprocess.run(
        [*client, "-f", COMPOSE, "config", "-q"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    for missing in sorted(SECRETS):
        env_without = {k: v for k, v in env.items() if k != missing}
        refused = subprocess.run(
            [*client, "-f", COMPOSE, "config", "-q"],
            env=env_without,
            capture_output=True,
            text=True,
        )
        assert refused.returncode != 0
        assert f"set {missing}" in refused.stderr


def test_nginx_accepts_the_proxy_config(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (make system-deps installs it)")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", certs / "privkey.pem",
         "-out", certs / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "location = /telegram/webhook" in conf and "listen 443 ssl" in conf
    # Outside compose: the app's name and the certificates' place are local ones.
    conf = conf.replace("app:8080", "127.0.0.1:8080").replace("/etc/nginx/certs", str(certs))
    (tmp_path / "nginx.conf").write_text(conf)
    done = subprocess.run(
        [nginx, "-t", "-p", tmp_path, "-c", tmp_path / "nginx.conf",
         "-g", f"pid {tmp_path}/nginx.pid; error_log stderr;"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
