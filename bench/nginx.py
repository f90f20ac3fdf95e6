"""nginx in front of N Streamlit workers, from the shipped configuration (deploy/nginx/).

Used by the load test over workers (`bench/run.py --workers 1,2,4`) and by tests/test_bundle.py (`nginx -t` on
the shipped site file). The shipped maps (websocket upgrade, the sticky-session cookie), upstream (its balancing
rule) and locations (proxy headers, upload size, the metrics block) are used as they are; only the ports, the
paths under /opt/xiaofei-monitor and (for -t) the certificate are replaced.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

INSTALL_DIR = "/opt/xiaofei-monitor"


def nginx_binary(install: bool = False) -> str | None:
    """Debian's nginx; installed with apt-get when absent and `install` (the machine is ours: root)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found or not install:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _site(root: Path) -> str:
    return (root / "deploy/nginx/xiaofei-monitor.conf").read_text(encoding="utf-8")


def _upstream(site: str, ports: list[int]) -> str:
    """The shipped upstream block with one server line per port."""
    block = re.search(r"upstream xiaofei_monitor \{.*?\n\}", site, re.S).group(0)
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in ports)
    block = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, block)
    assert all(f"127.0.0.1:{p};" in block for p in ports)
    return block


def self_signed_certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def render_site(root: Path, ports: list[int], listen: int, tmp: Path, full: bool = False) -> str:
    """A whole nginx.conf running as an ordinary process with everything under `tmp`.

    full=False (the load test): the shipped maps, upstream and locations behind a plain-HTTP server on
    127.0.0.1:`listen`. full=True (nginx -t): the shipped site file itself, with the redirect server on
    `listen`, the HTTPS server on `listen`+1 and a self-signed certificate.
    """
    root, tmp = Path(root), Path(tmp)
    site = _site(root)
    upstream = _upstream(site, ports)
    if full:
        cert, key = self_signed_certificate(tmp)
        body = site.replace(re.search(r"upstream xiaofei_monitor \{.*?\n\}", site, re.S).group(0), upstream)
        body = re.sub(r"^\s*listen \[::\]:\d+( ssl)?;\n", "", body, flags=re.M)
        body = body.replace("listen 80;", f"listen 127.0.0.1:{listen};")
        body = body.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen + 1} ssl;")
        body = body.replace("/etc/ssl/xiaofei-monitor/fullchain.pem", str(cert))
        body = body.replace("/etc/ssl/xiaofei-monitor/privkey.pem", str(key))
    else:
        body = (f"include {INSTALL_DIR}/deploy/nginx/maps.conf;\n{upstream}\n"
                f"server {{\n    listen 127.0.0.1:{listen};\n"
                f"    include {INSTALL_DIR}/deploy/nginx/locations.conf;\n}}\n")
    body = body.replace(INSTALL_DIR, str(root))
    temps = "".join(f"    {kind}_temp_path {tmp}/{kind};\n"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
            f"events {{ worker_connections 4096; }}\n"
            f"http {{\n    access_log off;\n{temps}{body}\n}}\n")


@contextlib.contextmanager
def nginx_proxy(root: Path, ports: list[int], listen: int, tmp: Path):
    """Run nginx (foreground, our own process) in front of `ports`; yields its base URL."""
    binary = nginx_binary(install=True)
    tmp.mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(render_site(root, ports, listen, tmp), encoding="utf-8")
    subprocess.run([binary, "-t", "-q", "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")], check=True)
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {(tmp / 'error.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
