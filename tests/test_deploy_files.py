"""The deployment files name files, modules and commands that exist.

There is no Docker engine on the CI machines, so nothing here builds an image. Instead the Dockerfile,
deploy/docker-compose.yml, deploy/gunicorn.conf.py, deploy/nginx.conf and deploy/README.md are read
and every name in them is checked against the repository: the files they copy or mount, the WSGI
module gunicorn serves, the health-check route, the `renkou` commands they tell operators to run,
the RQ worker options and queues, and the settings they set. One test starts the real gunicorn with
deploy/gunicorn.conf.py and runs the image's HEALTHCHECK command against it.

Plain tests: they do not use the ``backend`` fixture. The app they build runs on SQLite files in a
temporary folder.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import posixpath
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
import yaml
from click.testing import CliRunner
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
NGINX_CONF = DEPLOY / "nginx.conf"
README = DEPLOY / "README.md"
CONFIG_PY = ROOT / "platform" / "renkou" / "config.py"

WSGI_TARGET = "renkou.wsgi:app"
QUEUES = {"aggregation", "submissions", "exchange", "default"}
TEST_REDIS_URL = "redis://127.0.0.1:6379/13"


# ---------------------------------------------------------------------------------------------------------
# Reading the files


@dataclass
class Instruction:
    keyword: str
    args: str
    stage: int

    def exec_form(self) -> list[str]:
        """The instruction's arguments as a list: JSON exec form, or split like a shell would."""
        if self.args.startswith("["):
            return json.loads(self.args)
        return shlex.split(self.args)


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    stage_names: list[str | None] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def final_stage(self) -> list[Instruction]:
        last = len(self.stage_names) - 1
        return [i for i in self.instructions if i.stage == last]

    def one(self, keyword: str) -> Instruction:
        found = [i for i in self.final_stage() if i.keyword == keyword]
        assert len(found) == 1, f"the final stage should have exactly one {keyword}, found {len(found)}"
        return found[0]


def read_dockerfile() -> Dockerfile:
    """Instructions with line continuations joined and comments dropped (Docker's own rules)."""
    instructions: list[Instruction] = []
    stage_names: list[str | None] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = pending + line
        pending = ""
        keyword, _, args = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            stage_names.append(words[2] if len(words) >= 3 and words[1].upper() == "AS" else None)
        instructions.append(Instruction(keyword, args.strip(), len(stage_names) - 1))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return Dockerfile(instructions, stage_names)


@dataclass
class Copy:
    sources: list[str]
    destination: str
    flags: dict[str, str]
    workdir: str

    @property
    def absolute_destination(self) -> str:
        return posixpath.normpath(posixpath.join(self.workdir, self.destination))


def copies(dockerfile: Dockerfile, stage: int | None = None) -> list[Copy]:
    result = []
    workdir = "/"
    current_stage = -1
    for instruction in dockerfile.instructions:
        if instruction.stage != current_stage:
            current_stage, workdir = instruction.stage, "/"
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args)
        if instruction.keyword not in {"COPY", "ADD"} or (stage is not None and instruction.stage != stage):
            continue
        words = instruction.exec_form()
        flags = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        assert len(words) >= 2, f"{instruction.keyword} {instruction.args}: needs a source and a destination"
        result.append(Copy(words[:-1], words[-1], flags, workdir))
    return result


def final_workdir(dockerfile: Dockerfile) -> str:
    workdir = "/"
    for instruction in dockerfile.final_stage():
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args)
    return workdir


def final_env(dockerfile: Dockerfile) -> dict[str, str]:
    env = {}
    for instruction in dockerfile.final_stage():
        if instruction.keyword == "ENV":
            for word in shlex.split(instruction.args):
                key, _, value = word.partition("=")
                env[key] = value
    return env


def read_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def built_services(compose: dict) -> dict[str, dict]:
    """The services that run the project's image (they have a build section)."""
    return {name: service for name, service in compose["services"].items() if "build" in service}


def split_volume(volume: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume; the source may be a ${VAR:-default} with colons inside."""
    match = re.fullmatch(r"(\$\{[^}]*\}|[^:]+):([^:]+)(?::(?:ro|rw|z|Z))?", volume)
    assert match, f"cannot read the volume {volume!r}"
    return match.group(1), match.group(2)


def command_words(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def readme_shell_lines() -> list[str]:
    """The lines of deploy/README.md's shell code blocks (```sh, ```bash, ```console, ```shell, or unlabelled)."""
    lines: list[str] = []
    language = None
    for line in README.read_text().splitlines():
        fence = re.match(r"^\s*```(\S*)", line)
        if fence:
            language = None if language is not None else fence.group(1) or "plain"
            continue
        is_shell = language in {"sh", "bash", "console", "shell", "plain"}
        if is_shell and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip().removeprefix("$ "))
    return lines


def renkou_invocations(words: list[str], service_names: set[str]) -> list[list[str]]:
    """The arguments of each `renkou ...` in one command line: at its start (after VAR=value
    assignments) or after the name of a service running the project's image (`exec web renkou ...`)."""
    found = []
    start = 0
    while start < len(words) and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[start]):
        start += 1
    for index in range(start, len(words)):
        if words[index] != "renkou":
            continue
        if index == start or words[index - 1] in service_names:
            rest = []
            for word in words[index + 1:]:
                if word in {"|", "&&", ";", ">", "<", "||"}:
                    break
                rest.append(word)
            found.append(rest)
    return found


def renkou_variables_of_config() -> set[str]:
    return set(re.findall(r'"(RENKOU_[A-Z_]+)"', CONFIG_PY.read_text()))


# ---------------------------------------------------------------------------------------------------------
# The application, built from the environment the way the image builds it


@pytest.fixture
def app_env(monkeypatch, tmp_path):
    """A clean RENKOU_* environment: SQLite under tmp_path, the tests' Redis database."""
    for name in list(os.environ):
        if name.startswith(("RENKOU_", "GUNICORN_")) or name == "WEB_CONCURRENCY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("RENKOU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RENKOU_REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setenv("RENKOU_SECRET_KEY", "deploy-files-test")
    # Flask's CLI sets this for the rest of the process; let monkeypatch put it back afterwards.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", os.environ.get("FLASK_RUN_FROM_CLI", "false"))
    return tmp_path


def _dispose(app: Flask) -> None:
    app.extensions["renkou.town_engines"].dispose()


@pytest.fixture
def wsgi_app(app_env):
    """``renkou.wsgi:app`` imported afresh, with the environment set before the import."""
    sys.modules.pop("renkou.wsgi", None)
    module = importlib.import_module("renkou.wsgi")
    yield module.app
    _dispose(module.app)
    sys.modules.pop("renkou.wsgi", None)


@pytest.fixture
def cli(app_env):
    from renkou.cli import main

    runner = CliRunner()

    def invoke(args: list[str]):
        return runner.invoke(main, args, prog_name="renkou", catch_exceptions=False)

    return invoke


# ---------------------------------------------------------------------------------------------------------
# Dockerfile


def test_dockerfile_copies_only_files_that_exist():
    dockerfile = read_dockerfile()
    found = copies(dockerfile)
    assert found, "the Dockerfile copies nothing"
    for copy in found:
        if "from" in copy.flags:
            assert copy.flags["from"] in dockerfile.stage_names, f"COPY --from={copy.flags['from']}: no such stage"
            continue
        existing = []
        for source in copy.sources:
            assert not source.startswith(("/", "..")), f"COPY {source}: outside the build context"
            if any(char in source for char in "*?["):
                existing += list(ROOT.glob(source))
                continue  # a wildcard may match nothing (an optional file), as long as something is copied
            assert (ROOT / source).exists(), f"COPY {source}: no such file or folder in the repository"
            existing.append(ROOT / source)
        assert existing, f"COPY {' '.join(copy.sources)}: copies nothing"


def test_dockerfile_installs_the_project_and_runs_as_renkou():
    dockerfile = read_dockerfile()
    assert dockerfile.instructions[0].args.split()[0] == "python:3.11-slim"
    assert all(i.args.split()[0] == "python:3.11-slim" or i.args.split()[0] in dockerfile.stage_names
               for i in dockerfile.all("FROM"))
    assert any(re.search(r"\bpip install \.(\s|$)", i.args) for i in dockerfile.all("RUN"))
    # What `pip install .` needs is in the build context it runs in.
    build_stage = next(i.stage for i in dockerfile.instructions if i.keyword == "RUN" and "pip install ." in i.args)
    copied = {Path(source).parts[0] for copy in copies(dockerfile, build_stage) for source in copy.sources}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheres = [w for w in pyproject["tool"]["setuptools"]["packages"]["find"]["where"] if w != "."]
    packages = {name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert {"pyproject.toml", *wheres} <= copied
    assert {p for p in packages if (ROOT / p).is_dir()} <= copied, "every top-level package is copied"

    assert dockerfile.one("USER").args == "renkou"
    assert final_workdir(dockerfile) == "/app"
    env = final_env(dockerfile)
    assert env.get("RENKOU_DATA_DIR") == "/app/var"
    assert not [key for key in env if re.search(r"SECRET|PASSWORD|TOKEN|KEY", key)], "no secrets in the image"
    assert not [i for i in dockerfile.all("ARG") if re.search(r"SECRET|PASSWORD|TOKEN", i.args, re.I)]
    assert dockerfile.one("EXPOSE").args == "8000"


def test_cmd_serves_renkou_wsgi_with_the_copied_gunicorn_config():
    dockerfile = read_dockerfile()
    cmd = dockerfile.one("CMD").exec_form()
    assert not [i for i in dockerfile.final_stage() if i.keyword == "ENTRYPOINT"]
    assert cmd[0] == "gunicorn" and cmd[-1] == WSGI_TARGET
    assert cmd[cmd.index("-c") + 1] == "deploy/gunicorn.conf.py"
    config_in_image = posixpath.join(final_workdir(dockerfile), cmd[cmd.index("-c") + 1])
    final = len(dockerfile.stage_names) - 1
    sources = {copy.absolute_destination: copy.sources for copy in copies(dockerfile, final)}
    assert sources.get(config_in_image) == ["deploy/gunicorn.conf.py"], \
        "the gunicorn config is copied where CMD reads it"
    assert importlib.metadata.entry_points(group="console_scripts", name="gunicorn"), "gunicorn is installed"


def test_wsgi_module_is_the_flask_app(wsgi_app):
    module_name, _, attribute = WSGI_TARGET.partition(":")
    module = sys.modules[module_name]
    assert getattr(module, attribute) is wsgi_app
    assert isinstance(wsgi_app, Flask)
    assert wsgi_app.config["RENKOU_SETTINGS"].data_dir == Path(os.environ["RENKOU_DATA_DIR"])
    assert wsgi_app.config["RENKOU_SETTINGS"].redis_url == TEST_REDIS_URL


def _healthcheck() -> tuple[list[str], str]:
    """The HEALTHCHECK command and the URL it requests."""
    instruction = read_dockerfile().one("HEALTHCHECK")
    args = instruction.args
    while args.startswith("--"):
        args = args.split(maxsplit=1)[1]
    keyword, _, command = args.partition(" ")
    assert keyword == "CMD"
    words = json.loads(command) if command.startswith("[") else shlex.split(command)
    assert words[0] == "python", "python-slim has no curl: the check uses Python"
    url = re.search(r"https?://[^'\"\s]+", " ".join(words)).group(0)
    return words, url


def test_healthcheck_requests_a_real_route_on_the_exposed_port(wsgi_app):
    _words, url = _healthcheck()
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/\S*)", url)
    assert match, url
    port, path = match.groups()
    assert port == read_dockerfile().one("EXPOSE").args
    assert path in {rule.rule for rule in wsgi_app.url_map.iter_rules()}
    response = wsgi_app.test_client().get(path)
    assert response.status_code == 200, response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# gunicorn


def load_gunicorn_config():
    """The config file as gunicorn loads it: executed, then every setting it names validated."""
    from gunicorn.config import Config

    namespace = {"__file__": str(GUNICORN_CONF), "__name__": "__config__"}
    exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name.lower(), value)
    return config, namespace


def test_gunicorn_config_loads_with_its_defaults(app_env):
    config, namespace = load_gunicorn_config()
    assert {"bind", "workers", "post_fork"} <= namespace.keys()
    assert config.bind == ["0.0.0.0:8000"]
    assert 1 <= config.workers <= 8
    assert config.threads >= 1
    assert config.timeout == 60
    assert config.graceful_timeout >= 1
    assert config.preload_app is True, "post_fork only matters when the app is loaded before forking"
    assert config.accesslog == "-"
    assert config.post_fork is namespace["post_fork"]
    assert config.bind[0].rsplit(":", 1)[1] == read_dockerfile().one("EXPOSE").args


def test_gunicorn_config_reads_the_environment(app_env, monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    config, _ = load_gunicorn_config()
    assert (config.bind, config.workers, config.threads) == (["127.0.0.1:9000"], 3, 2)
    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY"):
        load_gunicorn_config()


def test_post_fork_disposes_the_inherited_pools(wsgi_app):
    from renkou.extensions import db

    _config, namespace = load_gunicorn_config()
    engines = wsgi_app.extensions["renkou.town_engines"]
    calls = []
    real_dispose = engines.dispose

    def spy(close=True):
        calls.append(close)
        real_dispose(close=close)

    engines.dispose = spy
    with wsgi_app.app_context():
        db.engine.connect().close()  # a pooled connection, as the master might hold
        inherited_pool = db.engine.pool
        assert inherited_pool.checkedin() == 1
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: wsgi_app), log=SimpleNamespace(info=lambda *a: None))
    namespace["post_fork"](server, SimpleNamespace(pid=4242))
    assert calls == [False], "dispose(close=False): forget the master's connections without closing them"
    with wsgi_app.app_context():
        assert db.engine.pool is not inherited_pool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_app_and_the_healthcheck_passes(app_env):
    """The real thing: gunicorn -c deploy/gunicorn.conf.py renkou.wsgi:app, then the image's HEALTHCHECK."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("RENKOU_", "GUNICORN_")) and key != "WEB_CONCURRENCY"}
    env.update(RENKOU_DATA_DIR=str(app_env / "var"), RENKOU_REDIS_URL=TEST_REDIS_URL,
               RENKOU_SECRET_KEY="deploy-files-test", GUNICORN_BIND=f"127.0.0.1:{port}",
               WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    dockerfile = read_dockerfile()
    cmd = dockerfile.one("CMD").exec_form()
    args = [sys.executable, "-m", "gunicorn", *[str(GUNICORN_CONF) if a == "deploy/gunicorn.conf.py" else a
                                                 for a in cmd[1:]]]
    log_path = app_env / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(args, cwd=app_env, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"gunicorn did not answer:\n{log_path.read_text()}"
                time.sleep(0.1)
        words, url = _healthcheck()
        words = [word.replace(url, url.replace(":8000/", f":{port}/")) for word in words]
        check = subprocess.run([sys.executable, *words[1:]], env=env, capture_output=True, timeout=30)
        assert check.returncode == 0, check.stderr.decode()
        deadline = time.monotonic() + 10
        while log_path.read_text().count("inherited database pools disposed") < 2:
            assert time.monotonic() < deadline, f"post_fork did not run in both workers:\n{log_path.read_text()}"
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    text = log_path.read_text()
    assert "Traceback" not in text, text


# ---------------------------------------------------------------------------------------------------------
# docker-compose.yml and nginx.conf


def test_compose_builds_from_the_dockerfile_and_mounts_files_that_exist():
    compose = read_compose()
    assert {"web", "migrate", "worker", "postgres", "redis", "nginx"} <= compose["services"].keys()
    built = built_services(compose)
    assert {"web", "migrate", "worker"} <= built.keys()
    for name, service in built.items():
        build = service["build"]
        context = (DEPLOY / (build if isinstance(build, str) else build["context"])).resolve()
        dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
        assert context == ROOT and dockerfile == DOCKERFILE, f"{name} builds {dockerfile}"
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = split_volume(volume)[0] if isinstance(volume, str) else volume.get("source", "")
            if "${" in source or not source.startswith((".", "/")):
                continue  # a named volume, or a path the operator provides (e.g. RENKOU_TLS_DIR)
            assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in compose["services"]["nginx"]["volumes"]


def test_compose_migrates_once_before_web_starts():
    services = read_compose()["services"]
    assert command_words(services["migrate"]["command"]) == ["renkou", "db", "upgrade"]
    assert services["migrate"].get("restart") == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "command" not in services["web"], "web runs the image's CMD (gunicorn)"
    # The image's HEALTHCHECK probes the web server: services without one switch it off.
    for name, service in built_services(read_compose()).items():
        if name != "web":
            assert service.get("healthcheck", {}).get("disable") is True, f"{name} would be reported unhealthy"


def test_compose_environment_names_real_settings():
    compose = read_compose()
    settings = renkou_variables_of_config()
    for name, service in built_services(compose).items():
        env = service["environment"]
        unknown = {key for key in env if key.startswith("RENKOU_")} - settings
        assert not unknown, f"{name} sets variables renkou.config does not read: {unknown}"
        # The app's role owns nothing; the owner's URL goes only where DDL runs (migrations, onboarding).
        assert env["RENKOU_DATABASE_URL"].startswith("postgresql+psycopg://renkou_app:${RENKOU_APP_DB_PASSWORD")
        assert "@postgres:5432/renkou" in env["RENKOU_DATABASE_URL"]
        owner = env.get("RENKOU_DATABASE_OWNER_URL")
        assert (owner is not None) == (name in {"migrate", "web"}), name
        assert owner is None or owner.startswith("postgresql+psycopg://renkou:${POSTGRES_PASSWORD")
        assert env["RENKOU_REDIS_URL"] == "redis://redis:6379/0"
        assert env["RENKOU_SECRET_KEY"].startswith("${RENKOU_SECRET_KEY:?"), "required from outside, never baked in"
        assert env["RENKOU_TRUSTED_PROXIES"] == "1"
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(command_words(postgres["healthcheck"]["test"]))


def test_compose_redis_never_evicts_and_persists():
    redis_service = read_compose()["services"]["redis"]
    command = " ".join(command_words(redis_service["command"]))
    assert "--maxmemory-policy noeviction" in command
    assert "--appendonly yes" in command
    assert any(str(v).endswith(":/data") for v in redis_service["volumes"])


def test_compose_workers_are_real_worker_commands_over_the_designed_queues(cli):
    from renkou.jobs import QUEUE_KINDS

    compose = read_compose()
    served: set[str] = set()
    workers = {name: s for name, s in built_services(compose).items()
               if command_words(s.get("command", []))[:2] == ["renkou", "worker"]}
    assert workers, "no worker service"
    for name, service in workers.items():
        words = command_words(service["command"])
        result = cli([*words[1:], "--help"])
        assert result.exit_code == 0, f"{name}: {' '.join(words)}\n{result.output}"
        assert "--with-scheduler" in words
        queues = [w for w in words[2:] if not w.startswith("-")]
        assert set(queues) <= set(QUEUE_KINDS), f"{name} serves unknown queues {set(queues) - set(QUEUE_KINDS)}"
        served |= set(queues)
    assert served == QUEUES == set(QUEUE_KINDS), f"no worker serves {QUEUES - served}"


def test_nginx_proxies_to_web_with_forwarded_headers():
    conf = NGINX_CONF.read_text()
    compose = read_compose()
    upstream = re.search(r"upstream\s+(\w+)\s*\{[^}]*server\s+([\w.-]+):(\d+)", conf)
    assert upstream, "an upstream for the web service"
    name, host, port = upstream.groups()
    assert host in compose["services"] and port == read_dockerfile().one("EXPOSE").args
    assert re.search(rf"proxy_pass\s+http://{name}\s*;", conf)
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for\s*;", conf)
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme\s*;", conf)
    assert re.search(r"client_max_body_size\s+64m\s*;", conf)
    targets = {split_volume(v)[1] for v in compose["services"]["nginx"]["volumes"]}
    certificates = re.findall(r"ssl_certificate(?:_key)?\s+(\S+);", conf)
    assert len(certificates) == 2
    for path in certificates:
        assert posixpath.dirname(path) in targets, f"{path} is not in a folder mounted into nginx"


def test_nginx_allows_what_the_app_allows(wsgi_app):
    conf = NGINX_CONF.read_text()
    assert wsgi_app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert re.search(r"client_max_body_size\s+64m\s*;", conf)


# ---------------------------------------------------------------------------------------------------------
# The `renkou` commands named in compose and the README exist, with the options they are given


def named_renkou_commands() -> list[list[str]]:
    compose = read_compose()
    services = set(built_services(compose))
    found = []
    for service in compose["services"].values():
        for key in ("command", "entrypoint"):
            if key in service:
                found += renkou_invocations(command_words(service[key]), services)
    for line in readme_shell_lines():
        found += renkou_invocations(shlex.split(line), services)
    return found


def _resolve(app: Flask, words: list[str]) -> tuple[click.Command, list[str]]:
    from renkou.cli import main

    command: click.Command = main
    path = []
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        commands = {**app.cli.commands, **main.commands} if command is main else command.commands
        assert words[0] in commands, f"renkou {' '.join(path + words[:1])}: no such command"
        command = commands[words[0]]
        path.append(words.pop(0))
    return command, words


def test_readme_and_compose_name_real_renkou_commands(cli, app_env):
    from renkou.app import create_app

    invocations = named_renkou_commands()
    paths = {" ".join(w for w in words if not w.startswith("-"))[:40] for words in invocations}
    for expected in ("db upgrade", "town create", "user create", "token create"):
        assert any(path.startswith(expected) for path in paths), f"`renkou {expected}` is not documented"

    app = create_app()
    try:
        for words in invocations:
            command, rest = _resolve(app, list(words))
            assert not isinstance(command, click.Group), f"renkou {' '.join(words)}: names a group, not a command"
            # The real CLI parses every option it is given (an unknown one exits 2); --help stops it there.
            result = cli([*words, "--help"])
            assert result.exit_code == 0, f"renkou {' '.join(words)}\n{result.output}"
            assert "Usage: renkou " in result.output
            # Choices (roles) must be ones the command accepts.
            options = {opt: param for param in command.params if isinstance(param, click.Option) for opt in param.opts}
            for index, word in enumerate(rest[:-1]):
                param = options.get(word)
                if param is not None and isinstance(param.type, click.Choice) and not rest[index + 1].startswith("<"):
                    assert rest[index + 1] in param.type.choices, f"renkou {' '.join(words)}: {word} {rest[index + 1]}"
    finally:
        _dispose(app)


def test_readme_lists_every_setting_and_server_variable():
    readme = README.read_text()
    missing = {name for name in renkou_variables_of_config() if f"`{name}`" not in readme}
    assert not missing, f"deploy/README.md does not document {sorted(missing)}"
    server_variables = set(re.findall(r'(?:environ\.get|_int_env)\(\s*"([A-Z_]+)"', GUNICORN_CONF.read_text()))
    assert server_variables >= {"GUNICORN_BIND", "WEB_CONCURRENCY"}
    missing = {name for name in server_variables if f"`{name}`" not in readme}
    assert not missing, f"deploy/README.md does not document {sorted(missing)}"


# ---------------------------------------------------------------------------------------------------------
# What `pip install .` in the image actually installs


def _package_dir(name: str, wheres: list[str]) -> Path | None:
    for where in wheres:
        folder = ROOT / where / name.replace(".", "/")
        if folder.is_dir():
            return folder
    return None


def test_pip_install_ships_every_data_file():
    """Every non-Python file in the packages matches a package-data pattern, as setuptools globs them."""
    setuptools_config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    wheres = setuptools_config["packages"]["find"]["where"]
    shipped: set[Path] = set()
    for package, patterns in setuptools_config.get("package-data", {}).items():
        folder = _package_dir(package, wheres)
        if folder is not None:
            for pattern in patterns:
                shipped |= {path for path in folder.glob(pattern) if path.is_file()}
    data_files = set()
    for include in setuptools_config["packages"]["find"]["include"]:
        folder = _package_dir(include.rstrip("*").rstrip("."), wheres)
        if folder is None:
            continue
        data_files |= {path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts
                       and path.suffix not in {".py", ".pyc"}}
    missing = sorted(str(path.relative_to(ROOT)) for path in data_files - shipped)
    assert not missing, f"`pip install .` would leave out {len(missing)} files, e.g. {missing[:5]}"


def test_the_licence_is_an_spdx_expression():
    """setuptools deprecates `project.license` as a table (PEP 639): an SPDX expression, with a setuptools
    that reads one (77+)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "LicenseRef-Proprietary"
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
