"""The load test against N Streamlit processes behind nginx (`bench/run.py --figures workers --workers 1,2,4`).

For each N: N `streamlit run app.py` processes on the scale's database (all reading the same file), nginx in front
with the shipped configuration (bench/nginx.py: cookie-sticky upstream, websocket upgrade), every worker warmed by
one tour of every page, then n concurrent websocket sessions through nginx — the same clients and the same visits
as `load_ws:<n>` — timed until the first status label arrives. Each client has no cookie, so nginx spreads them
over the workers as it spreads new browsers. The baseline: the same n sessions sent straight to one of those
processes, without nginx, measured just before — so each row's two numbers share the machine's load of the moment
(on a shared machine that load drifts more than the figures differ).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

WORKERS = (1, 2, 4)


def fig_workers(data, sessions, workers=WORKERS, tmp: Path | None = None) -> list:
    from bench import run as r
    from bench.nginx import nginx_proxy

    records = []
    tmp = tmp or (r.WORK / "tmp" / "nginx")
    for w in workers:
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(r.streamlit_server(r.APP, data.app_db)) for _ in range(w)]
            ports = [int(url.rsplit(":", 1)[1]) for url, _pid in servers]
            for url, _pid in servers:  # warm each worker's caches, as load_ws warms its one server
                asyncio.run(r._ws_sessions(url, r.app_visits(True), 1))
            proxy = stack.enter_context(nginx_proxy(r.ROOT, ports, r.free_port(), tmp / f"w{w}"))
            for n in sessions:
                b_times, b_errors = asyncio.run(r._ws_sessions(servers[0][0], r.app_visits(False), n))
                times, errors = asyncio.run(r._ws_sessions(proxy, r.app_visits(False), n))
                rss = sum(r.peak_rss_mb(pid) for _url, pid in servers)
                p95 = float(r.np.percentile(times, 95)) if times else None
                r.log(f"[{data.name}] load_nginx:{w}w:{n}: median {r.median(times) if times else float('nan'):.2f} s, "
                      f"p95 {p95 or float('nan'):.2f} s, errors {len(errors)}" + (f" ({errors[0]})" if errors else "")
                      + f"; one process direct {r.median(b_times) if b_times else float('nan'):.2f} s")
                records.append(r.Record(
                    f"load_nginx:{w}w:{n}", data.name, data.rows, r.median(times) if times else None,
                    "one_process_direct", r.median(b_times) if b_times else None,
                    f"{n} concurrent websocket sessions through nginx to {w} worker process(es), overview then "
                    "indicator page; time until a status label shows",
                    {"p95_s": p95, "errors": len(errors), "baseline_errors": len(b_errors), "samples": len(times),
                     "workers": w, "sessions": n, "rss_mb": rss}))
    return records
