"""A loopback fake of the NBS data-release API that ENFORCES the request contract.

Stdlib only (``http.server.ThreadingHTTPServer`` on 127.0.0.1, port 0). Paths mirror the
real ones under ``/dg/website/publicrelease/web/external``; responses come from
``tests/fixtures/nbs`` (synthetic values) and, for the cids and catalogue nodes they cover,
from the real recordings in ``tests/fixtures/nbs/real``. Contract rules enforced on the data endpoint
(``POST stream/esData`` and its older name ``getEsDataByCidAndDt``):

* ``Content-Type`` must be ``application/json`` (else 415);
* ``showType`` missing -> HTTP 500 (as the real server does);
* ``dts`` as a non-empty *string* -> 200 with an HTML WAF page; ``""`` or absent -> the
  default window (13 monthly / 10 annual periods); otherwise a list of tokens/ranges;
* ``queryIndicatorsByCid`` accepts only ``cid`` (required), ``dt`` and ``name``, as the
  portal's own page sends; anything else (e.g. ``rootId``) gets the "服务异常" page;
* periods wholly after the dataset's latest published one -> HTTP 500 (as the real portal);
* ``daCatalogId`` non-empty -> ``das`` is ignored and 北京 (110000000000) is served;
* showType "1" serves ``das[0]`` with ``da``/``da_name``; "3" serves every requested
  region with ``area``/``areaCode``.

Unknown paths under the API answer 200 with the portal's HTML "服务异常" error page, as
the real portal does for wrong paths or parameters.

Elsewhere: ``POST/GET /easyquery.htm`` -> 403 ``reason:UrlACL``; ``GET /dg/website/page.html``
sets a ``wzws_cid`` cookie; optional 403 for ``python-requests/*`` User-Agents.

Fault switches live in :class:`Faults` (``server.faults``); counters are "next N
requests" and decrement as they fire. Every request is logged in ``server.log``.

The ``nbs_server`` pytest fixture at the bottom starts a fresh server per test; the
tests' conftest imports it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nbs"
API = "/dg/website/publicrelease/web/external"
ESDATA = f"{API}/stream/esData"
ESDATA_ALT = f"{API}/getEsDataByCidAndDt"
BEIJING = ("110000000000", "北京")

DATASETS = {  # cid -> (esData fixture, indicators fixture)
    "d0cb882c7f27443ab6b3ef9421901961": ("esdata_national_retail_monthly.json",
                                         "indicators_national_retail_monthly.json"),
    "fb09cbc680fe4d348c9d05f535ebf77c": ("esdata_online_retail_old.json", "indicators_online_retail_old.json"),
    "ce144b3caaf9498aabcc713e671c1f33": ("esdata_online_retail_2026.json", "indicators_online_retail_2026.json"),
    "e4703d312cd44d498c168a10d2337f4a": ("esdata_city_retail_annual.json", "indicators_city_retail_annual.json"),
    "fa6e00000000000000000000000006b1": ("esdata_province_retail_annual_st3.json",
                                         "indicators_province_retail_annual.json"),
}
TREES = {  # (code, pid) -> fixture
    ("6", ""): "tree_code6_root.json",
    ("6", "c4d82af16c3d4f0cb4f09d4af7d5888e"): "tree_code6_level1.json",
    ("6", "fa6e00000000000000000000000006a3"): "tree_code6_level2_trade.json",
    ("1", ""): "tree_code1_root.json",
    ("8", ""): "tree_code8_root.json",
}
# Real recordings (tests/fixtures/nbs/real/, provenance in its README), served at their real paths.
REAL = FIXTURES / "real"
REAL_ESDATA = {  # cid -> a recorded stream/esData answer (分省年度, 北京 2024)
    "5c072e1073514e448de4132760308fcf": "beijing_2024_income.json",
    "7dbebcca62794c4da2b9ef9813d14564": "beijing_2024_consumption.json",
}
REAL_INDICATORS = {  # cid -> a recorded queryIndicatorsByCid archive file ({url, request, response, …})
    "3f2e14f0542348ed9fe02476eca3450b": "indicators_3f2e14f0542348ed9fe02476eca3450b_20261009T052144350900Z.json",
}
REAL_TREE = "tree_cache_subset.json"  # {"<code>:<pid>|root": [nodes]} from a recorded tree cache


def _real(name: str) -> Any:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def _indicators_from_esdata(doc: dict) -> dict:
    """For a real esData recording without a recorded indicator list: the list the portal
    would give, derived from the recorded items (their fields minus value and region)."""
    seen: dict[str, dict] = {}
    for block in doc["data"]:
        for v in block["values"]:
            seen.setdefault(v["_id"], {k: x for k, x in v.items() if k not in ("value", "da", "da_name")})
    return {"data": {"total": len(seen), "list": list(seen.values())}, "success": True, "state": 20000,
            "message": "成功"}


TOKEN_RE = re.compile(r"^(\d{4})(\d{2})(MM|SS)$|^(\d{4})YY$")


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _published(block: dict) -> bool:
    return any(str(v.get("value") or "").strip() not in ("", "无") for v in block["values"])


def _token_key(token: str) -> tuple[str, int, int]:
    m = TOKEN_RE.match(token)
    if not m:
        raise ValueError(token)
    if m.group(4):
        return ("YY", int(m.group(4)), 0)
    return (m.group(3), int(m.group(1)), int(m.group(2)))


@dataclass
class Faults:
    """Fault switches. Integer fields fire on the next N matching requests."""

    scope: str = "esdata"            # "esdata": data endpoint only; "api": every API path
    latency_s: float = 0.0           # delay before answering ...
    latency_times: int = 0           # ... for this many requests
    redirect_307: int = 0            # 307 + Set-Cookie wzws_cid=<token>; then the token is required
    rate_limit: int = 0              # 429 ...
    retry_after: str = "3"           # ... with this Retry-After
    server_error: int = 0            # 502 Bad Gateway
    html: int = 0                    # 200 + HTML WAF page
    html_error: int = 0              # 200 + the portal's HTML "服务异常" error page
    truncated: int = 0               # 200 + truncated JSON
    envelope_error: int = 0          # 200 + success:false, state 40001, 参数错误
    empty_data: int = 0              # 200 + success:true, data:[] (data endpoint only)
    text_block: int = 0              # 200 + text/plain "Access Denied" page
    wrong_ctype: int = 0             # the normal JSON answer, labelled text/plain
    esdata_404: bool = False         # 404 on stream/esData (getEsDataByCidAndDt still works)
    alt_404: bool = False            # 404 on getEsDataByCidAndDt too
    block_python_ua: bool = False    # 403 for User-Agent python-requests/*
    no_latest_dt: bool = False       # queryDtByCid answers success with empty data
    label_overrides: dict = field(default_factory=dict)  # indicator id -> i_showname
    unit_overrides: dict = field(default_factory=dict)   # indicator id -> du_name
    hidden_ids: set = field(default_factory=set)         # ids left out of queryIndicatorsByCid


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: Any = None


class FakeNbsServer:
    def __init__(self) -> None:
        self.faults = Faults()
        self.log: list[LoggedRequest] = []
        self.lock = threading.Lock()
        self.required_cookie: str | None = None
        self.cookie_counter = 0
        self._stop = threading.Event()
        self.datasets = {cid: _load(es) for cid, (es, _) in DATASETS.items()}
        self.indicators = {cid: _load(ind) for cid, (_, ind) in DATASETS.items()}
        self.trees = {k: _load(v) for k, v in TREES.items()}
        for cid, name in REAL_ESDATA.items():
            self.datasets[cid] = _real(name)
            self.indicators[cid] = _indicators_from_esdata(self.datasets[cid])
        for cid, name in REAL_INDICATORS.items():
            self.indicators[cid] = _real(name)["response"]
        for key, nodes in _real(REAL_TREE).items():
            code, _, pid = key.partition(":")
            self.trees[(code, "" if pid == "root" else pid)] = {"success": True, "state": 20000, "message": "成功",
                                                                "data": nodes}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeNbsServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # helpers for tests
    def requests_to(self, path_suffix: str) -> list[LoggedRequest]:
        return [r for r in self.log if r.path.endswith(path_suffix)]

    def take(self, name: str) -> bool:
        """Consume one shot of an integer fault."""
        with self.lock:
            n = getattr(self.faults, name)
            if n > 0:
                setattr(self.faults, name, n - 1)
                return True
            return False

    def new_cookie(self, prefix: str) -> str:
        with self.lock:
            self.cookie_counter += 1
            return f"{prefix}{self.cookie_counter:04d}"


def _make_handler(server: FakeNbsServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "FakeNBS/1.0"

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        # -- response helpers ---------------------------------------------------------
        def send(self, status: int, body: str | bytes, ctype: str, headers: dict | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("WZWS-RAY", "fake-0000")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        ctype_override: str | None = None

        def send_json(self, obj: Any, status: int = 200) -> None:
            ctype = self.ctype_override or "application/json;charset=UTF-8"
            self.send(status, json.dumps(obj, ensure_ascii=False), ctype)

        def send_html(self, status: int, name: str = "waf_challenge.html", headers: dict | None = None) -> None:
            self.send(status, _text(name), "text/html;charset=utf-8", headers)

        def ok(self, data: Any) -> None:
            self.send_json({"success": True, "state": 20000, "message": "成功", "data": data})

        # -- dispatch ---------------------------------------------------------------------
        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

        def handle_any(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            with server.lock:
                server.log.append(LoggedRequest(method, path, query, dict(self.headers.items()), body, parsed))

            ua = self.headers.get("User-Agent", "")
            if server.faults.block_python_ua and ua.lower().startswith("python-requests"):
                return self.send_html(403)
            if path == "/easyquery.htm":
                return self.send_html(403, "easyquery_urlacl.html")
            if path == "/dg/website/page.html" and method == "GET":
                token = server.new_cookie("warm")
                return self.send(200, "<!DOCTYPE html><html><body>fake portal</body></html>",
                                 "text/html;charset=utf-8", {"Set-Cookie": f"wzws_cid={token}; Path=/"})
            if not path.startswith(API + "/"):
                return self.send_json({"status": 404, "error": "Not Found", "path": path}, 404)

            is_data = path in (ESDATA, ESDATA_ALT)
            if is_data or server.faults.scope == "api":
                if self.apply_faults(is_data):
                    return
            if server.required_cookie is not None:
                if f"wzws_cid={server.required_cookie}" not in (self.headers.get("Cookie") or ""):
                    return self.send_html(403)

            if path == ESDATA and server.faults.esdata_404:
                return self.send_json({"status": 404, "error": "Not Found", "path": path}, 404)
            if path == ESDATA_ALT and server.faults.alt_404:
                return self.send_json({"status": 404, "error": "Not Found", "path": path}, 404)
            if is_data:
                if method != "POST":
                    return self.send_json({"status": 405, "error": "Method Not Allowed"}, 405)
                return self.es_data(body)
            route = path[len(API):]
            if method != "GET":
                return self.send_json({"status": 405, "error": "Method Not Allowed"}, 405)
            if route == "/new/queryIndexTreeAsync":
                tree = server.trees.get((query.get("code", ""), query.get("pid", "")))
                return self.send_json(tree) if tree else self.ok([])
            if route == "/new/queryIndicatorsByCid":
                if set(query) - {"cid", "dt", "name"} or not query.get("cid"):
                    # what the portal's page does not send gets the 服务异常 page (contract)
                    return self.send_html(200, "service_error.html")
                return self.indicators(query.get("cid", ""))
            if route == "/new/queryDtByCid":
                return self.latest_dt(query.get("cid", ""))
            if route == "/getDaCatalogTreeByIndicatorCid":
                return self.send_json(_load("dacatalog_tree.json"))
            if route == "/getDasByDaCatalogId":
                if query.get("daCid") == "a10dceae75d245008bf4b9a0e6fe1d55":
                    return self.send_json(_load("das_all_regions.json"))
                return self.ok([])
            # The real portal answers unknown paths under the API with its "服务异常" page.
            return self.send_html(200, "service_error.html")

        def apply_faults(self, is_data: bool) -> bool:
            f = server.faults
            if f.latency_s and server.take("latency_times"):
                server._stop.wait(f.latency_s)
            if server.take("redirect_307"):
                token = server.new_cookie("chk")
                server.required_cookie = token
                self.send(307, "", "text/html", {"Location": self.path, "Set-Cookie": f"wzws_cid={token}; Path=/"})
                return True
            if server.take("rate_limit"):
                self.send_json({"status": 429, "error": "Too Many Requests"}, 429)
                return True
            if server.take("server_error"):
                self.send(502, "<html><body>502 Bad Gateway</body></html>", "text/html")
                return True
            if server.take("html"):
                self.send_html(200)
                return True
            if server.take("html_error"):
                self.send_html(200, "service_error.html")
                return True
            if server.take("truncated"):
                self.send(200, _text("truncated_esdata.json"), "application/json;charset=UTF-8")
                return True
            if server.take("envelope_error"):
                self.send_json(_load("envelope_error.json"))
                return True
            if server.take("text_block"):
                self.send(200, "Access Denied (synthetic)", "text/plain")
                return True
            if server.take("wrong_ctype"):
                self.ctype_override = "text/plain;charset=UTF-8"
            if is_data and server.take("empty_data"):
                self.send_json(_load("esdata_empty.json"))
                return True
            return False

        def send_response(self, code: int, message: str | None = None) -> None:
            super().send_response(code, message)
            if code == 429:
                self.send_header("Retry-After", server.faults.retry_after)

        # -- endpoints ------------------------------------------------------------------
        def indicators(self, cid: str) -> None:
            doc = server.indicators.get(cid)
            if doc is None:
                return self.send_json({"data": {"total": 0, "list": []}, "success": True, "state": 20000})
            items = []
            for it in doc["data"]["list"]:
                if it["_id"] in server.faults.hidden_ids:
                    continue
                it = dict(it)
                if it["_id"] in server.faults.label_overrides:
                    it["i_showname"] = server.faults.label_overrides[it["_id"]]
                if it["_id"] in server.faults.unit_overrides:
                    it["du_name"] = server.faults.unit_overrides[it["_id"]]
                items.append(it)
            self.send_json({"data": {"total": len(items), "list": items}, "success": True,
                            "state": 20000, "message": "成功"})

        def latest_dt(self, cid: str) -> None:
            if server.faults.no_latest_dt:
                return self.ok({})
            doc = server.datasets.get(cid)
            for block in (doc or {}).get("data", []):
                if _published(block):
                    return self.ok({"dt_all": block["code"], "dt_name": block["name"]})
            return self.ok({})

        def es_data(self, raw: bytes) -> None:
            ctype = (self.headers.get("Content-Type") or "").lower()
            if "application/json" not in ctype:
                return self.send_json({"status": 415, "error": "Unsupported Media Type"}, 415)
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self.send_json({"status": 400, "error": "Bad Request"}, 400)
            if not isinstance(body, dict):
                return self.send_json({"status": 400, "error": "Bad Request"}, 400)
            if "showType" not in body or body["showType"] in (None, ""):
                return self.send_json({"timestamp": "2026-01-01T00:00:00.000+00:00", "status": 500,
                                       "error": "Internal Server Error", "path": ESDATA}, 500)
            dts = body.get("dts", "")
            if isinstance(dts, str) and dts != "":
                return self.send_html(200)  # the WAF rejects the string form
            if not isinstance(dts, (str, list)):
                return self.send_json({"status": 500, "error": "Internal Server Error"}, 500)
            show_type = str(body["showType"])
            if show_type not in ("1", "2", "3"):
                return self.send_json({"status": 500, "error": "Internal Server Error"}, 500)

            doc = server.datasets.get(body.get("cid"))
            if doc is None:
                return self.ok([])
            blocks = doc["data"]
            if dts in ("", []):
                kind = _token_key(blocks[0]["code"])[0]
                blocks = blocks[: 10 if kind == "YY" else 13]
            else:
                try:
                    ranges = []
                    for tok in dts:
                        lo, _, hi = str(tok).partition("-")
                        ranges.append((_token_key(lo), _token_key(hi or lo)))
                except ValueError:
                    return self.send_json({"status": 500, "error": "Internal Server Error"}, 500)
                latest = next((_token_key(b["code"]) for b in blocks if _published(b)), None)
                if latest is not None and all(lo > latest for lo, _ in ranges):
                    # as the real portal: periods wholly after the latest published one -> 500
                    return self.send_json({"timestamp": "2026-01-01T00:00:00.000+00:00", "status": 500,
                                           "error": "Internal Server Error", "path": ESDATA}, 500)
                blocks = [b for b in blocks
                          if any(lo <= _token_key(b["code"]) <= hi and lo[0] == _token_key(b["code"])[0]
                                 for lo, hi in ranges)]
            if show_type == "2":
                blocks = blocks[:1]

            das = body.get("das") or []
            if body.get("daCatalogId") or not das:
                regions = {BEIJING[0]}
            else:
                values = [str(d.get("value")) for d in das if isinstance(d, dict)]
                regions = set(values[:1]) if show_type == "1" else set(values)
            wanted = set(body.get("indicatorIds") or [])

            out = []
            for b in blocks:
                vals = []
                for v in b["values"]:
                    if wanted and v["_id"] not in wanted:
                        continue
                    code = v.get("areaCode") or v.get("da")
                    name = v.get("area") or v.get("da_name")
                    if code not in regions:
                        continue
                    v = {k: x for k, x in v.items() if k not in ("area", "areaCode", "da", "da_name")}
                    if show_type == "3":
                        v.update(area=name, areaCode=code)
                    else:
                        v.update(da=code, da_name=name)
                    vals.append(v)
                out.append({"code": b["code"], "name": b["name"], "values": vals})
            return self.ok(out)

    return Handler


@pytest.fixture
def nbs_server():
    """A running :class:`FakeNbsServer`; ``nbs_server.base_url`` is its loopback URL."""
    srv = FakeNbsServer().start()
    try:
        yield srv
    finally:
        srv.stop()
