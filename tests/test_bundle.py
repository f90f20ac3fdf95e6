"""The offline bundle, built and installed here with pip cut off from every index, then served; and the
deployment files' agreement with the app's own settings.

Cost (measured on the 2-core development machine while other work ran): building the bundle ~1 minute
(pip download of ~170 MB of wheels, reusing pip's cache, and gzip), installing ~1-2 minutes (pip installs
38 wheels), serving and checking ~20 s: about 3-4 minutes in all, run once per suite. Set
MONITOR_SKIP_BUNDLE_TEST=1 to skip it while working on something else; CI runs it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SKIP_BUNDLE = os.environ.get("MONITOR_SKIP_BUNDLE_TEST") == "1"
OFFLINE = {
    # pip: no index at all, no machine-wide configuration (which may name local indexes), and a proxy that
    # answers nothing, for anything that would still try the network.
    "PIP_NO_INDEX": "1",
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_RETRIES": "0",
    "PIP_TIMEOUT": "2",
    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
}


def free_ports(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        if first + n > 65535:
            continue
        ok = True
        for port in range(first, first + n):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise RuntimeError("no consecutive free ports")


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "_", name).lower()] = version
    return pins


def base_python() -> str:
    """A python3 that is not this virtualenv's: Debian's own where there is one, as on the target."""
    debian = Path("/usr/bin/python3")
    if debian.exists() and subprocess.run([debian, "-c", "import venv, ensurepip"], capture_output=True).returncode == 0:
        return str(debian)
    return getattr(sys, "_base_executable", sys.executable)


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    with opener.open(url, timeout=timeout) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(f"{url}/_stcore/health", timeout=3)[0] == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"serve.sh exited with {proc.returncode} before {url} was up")
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} not healthy after {timeout} s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    if SKIP_BUNDLE:
        pytest.skip("MONITOR_SKIP_BUNDLE_TEST=1")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["bash", "scripts/bundle.sh", "--out", str(out)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (archive,) = out.glob("xiaofei-monitor-*.tar.gz")
    return archive


def test_the_bundle_holds_the_project_a_wheel_per_pin_the_font_package_and_install_sh(bundle):
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    files = {name[len(top) + 1:] for name in names if "/" in name}
    assert {"install.sh", "serve.sh", "monitor.sh", "deploy/load-env.sh", "app.py", "requirements.txt", "monitor/db.py",
            "monitor/backup.py",
            ".streamlit/config.toml", "data/official/hunan_official.csv", "BUNDLE.txt",
            "deploy/nginx/xiaofei-monitor.conf", "docs/deploy.zh-CN.md", "Dockerfile"} <= files
    assert not any(f.startswith(("tests/", "bench/", ".venv", ".git/")) or f.endswith(".duckdb") for f in files)
    assert "monitor.env" not in files  # a developer's local settings (secrets) never travel
    wheels = [Path(f).name for f in files if f.startswith("wheelhouse/") and f.endswith(".whl")]
    for name, version in pinned_requirements().items():
        assert any(w.lower().startswith(f"{name}-{version}-") for w in wheels), f"no wheel for {name}=={version}"
    assert all(re.search(r"-(cp311|abi3|py3|py2\.py3)-", w) for w in wheels), wheels
    debs = [Path(f).name for f in files if f.startswith("debs/") and f.endswith(".deb")]
    assert any(d.startswith("fonts-wqy-microhei_") for d in debs)
    assert not any(d.startswith("chromium") for d in debs)


def test_the_bundle_installs_with_pip_cut_off_from_every_index_and_serves_the_overview(bundle, tmp_path):
    from bench.run import _ws_session

    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path, filter="tar")
    (site,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "MONITOR_", "STREAMLIT_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(OFFLINE, PYTHON=base_python())

    # The database outside the installation directory, as the deployment guide recommends.
    db = tmp_path / "state" / "monitor.duckdb"
    done = subprocess.run(["./install.sh"], cwd=site, env={**env, "MONITOR_DB": str(db)}, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Downloading" not in done.stdout + done.stderr
    assert (site / ".venv/bin/streamlit").exists() and db.exists() and not (site / "data/monitor.duckdb").exists()
    settings = (site / "monitor.env").read_text(encoding="utf-8")
    assert re.search(r"^STREAMLIT_SERVER_COOKIE_SECRET=[0-9a-f]{64}$", settings, re.M)
    assert f"\nMONITOR_DB={db}\n" in settings

    # Installing again (the upgrade path), with the location now read from monitor.env: the database is
    # backed up beside itself before the migrations run.
    done = subprocess.run(["./install.sh"], cwd=site, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(list((db.parent / "backups").glob("monitor-*.duckdb"))) == 1
    assert "up to date" in done.stdout
    # monitor.sh: the command line with monitor.env's settings (the database is not in the default place).
    done = subprocess.run(["./monitor.sh", "backup", str(tmp_path / "manual") + "/"], cwd=site, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "manual").glob("monitor-*.duckdb"))) == 1

    port = free_ports(2)
    proc = subprocess.Popen(["./serve.sh", "--workers", "2", "--port", str(port)], cwd=site, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        for p in (port, port + 1):
            url = f"http://127.0.0.1:{p}"
            wait_healthy(url, proc)
            assert get(f"{url}/_stcore/health") == (200, "ok")
            status, page = get(url + "/")
            assert status == 200 and '<div id="root">' in page
            # The overview itself, over Streamlit's websocket as a browser asks for it: the script runs
            # in the installed environment on the installed database and shows the targets' statuses.
            times, errors = asyncio.run(_ws_session(url, [("", "", True)], timeout_s=180))
            assert errors == [] and len(times) == 1, errors
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    assert f"worker 2/2: http://127.0.0.1:{port + 1}" in output
    for p in (port, port + 1):  # every worker stopped with serve.sh
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", p)) != 0


# --------------------------------------------------------------------------- the deployment files agree

def streamlit_upload_mb() -> int:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    return int(config["server"]["maxUploadSize"])


def test_nginx_accepts_uploads_as_large_as_the_app_does_and_hides_the_metrics():
    locations = (PROJECT_ROOT / "deploy/nginx/locations.conf").read_text(encoding="utf-8")
    (size,) = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", locations, re.M)
    assert streamlit_upload_mb() <= int(size) <= streamlit_upload_mb() + 5
    assert re.search(r"location = /_stcore/metrics \{\s*return 404;", locations)
    assert "proxy_set_header Upgrade $http_upgrade;" in locations


def test_the_nginx_configurations_pass_nginx_t(tmp_path):
    """The site file for a host (with its HTTPS server, on a self-signed certificate) and compose's site file."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed here (bench/run.py --workers installs it)")
    from bench.nginx import render_site

    host = render_site(PROJECT_ROOT, [8501, 8502], listen=free_ports(2), tmp=tmp_path, full=True)
    assert "ssl_certificate" in host and "return 301 https://" in host
    compose_site = (PROJECT_ROOT / "deploy/compose/nginx-site.conf").read_text(encoding="utf-8")
    compose_site = compose_site.replace("server app:", "server 127.0.0.1:").replace("listen 80;", "listen 127.0.0.1:80;")
    compose = render_site(PROJECT_ROOT, [8501], listen=1, tmp=tmp_path).split("http {")[0] + "http {\n" + \
        compose_site.replace("/opt/xiaofei-monitor", str(PROJECT_ROOT)) + "\n}\n"
    for name, text in (("host.conf", host), ("compose.conf", compose)):
        conf = tmp_path / name
        conf.write_text(text, encoding="utf-8")
        done = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{name}: {done.stderr}"


def test_the_dockerfile_installs_through_install_sh_as_a_non_root_user_with_a_health_check():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    assert re.search(r"^FROM python:3\.11-slim-bookworm", dockerfile, re.M)
    assert re.search(r"^RUN .*\./install\.sh", dockerfile, re.M)
    assert re.search(r"^USER (?!root|0\b)\S+", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*/_stcore/health", dockerfile, re.M)
    assert re.search(r"^VOLUME .*/var/lib/xiaofei-monitor", dockerfile, re.M)


def test_the_shipped_nginx_keeps_each_browser_on_one_worker_and_spreads_new_browsers(tmp_path):
    """Two stand-in workers that answer with their own port, behind nginx with the shipped maps, upstream and
    locations: a browser's cookie pins it to one worker; browsers without one are spread over both."""
    import http.server
    import threading

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed here (bench/run.py --workers installs it)")
    from bench.nginx import nginx_proxy

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = str(self.server.server_address[1]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = [s.server_address[1] for s in servers]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with nginx_proxy(PROJECT_ROOT, ports, free_ports(1), tmp_path) as url:
            first_workers, cookies = [], []
            for _ in range(40):  # new browsers: no cookie yet
                with opener.open(url + "/") as resp:
                    first_workers.append(int(resp.read()))
                    cookies.append(resp.headers["Set-Cookie"].split(";")[0])
            assert set(first_workers) == set(ports)  # 40 new browsers on one worker: (1/2)^39
            for cookie, worker in list(zip(cookies, first_workers))[:10]:
                for path in ("/", "/_stcore/health", "/_stcore/upload_file/x"):
                    request = urllib.request.Request(url + path, headers={"Cookie": cookie})
                    with opener.open(request) as resp:
                        assert int(resp.read()) == worker and resp.headers["Set-Cookie"] is None
            request = urllib.request.Request(url + "/_stcore/metrics")
            with pytest.raises(urllib.error.HTTPError) as hidden:
                opener.open(request)
            assert hidden.value.code == 404
    finally:
        for server in servers:
            server.shutdown()
