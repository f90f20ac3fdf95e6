# xiaofei-monitor 消费流通监测: the container image, built from an unpacked offline bundle with no network.
#   scripts/bundle.sh                                  # on a machine with internet → dist/xiaofei-monitor-<v>.tar.gz
#   tar xzf dist/xiaofei-monitor-<v>.tar.gz && cd xiaofei-monitor-<v>
#   docker build --network=none -t xiaofei-monitor:<v> .
# The image is installed by the bundle's own install.sh, the path tests/test_bundle.py tests; only the
# database location and the user differ. Carrying it onto an intranet: docs/deploy.zh-CN.md (docker save).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MONITOR_DB=/var/lib/xiaofei-monitor/monitor.duckdb \
    PORT=8501 \
    WORKERS=1

WORKDIR /opt/xiaofei-monitor
COPY . .

# install.sh: the CJK font from debs/ (dpkg -i, as root), the venv from wheelhouse/ (pip --no-index), then
# `monitor init` creates the database at $MONITOR_DB, which the volume below starts from. The cookie secret
# install.sh writes is dropped: an image is shared, so serve.sh makes a new one each time the container starts.
# (wheelhouse/ and debs/ stay in the COPY layer, ~170 MB: the price of running the bundle's install.sh as is.)
RUN ./install.sh \
    && sed -i '/^STREAMLIT_SERVER_COOKIE_SECRET=/d' monitor.env \
    && chmod 644 monitor.env \
    && groupadd --system --gid 10001 xiaofei \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/xiaofei-monitor --shell /usr/sbin/nologin xiaofei \
    && chown -R 10001:10001 /var/lib/xiaofei-monitor

# The user xiaofei (numeric, so that the host's tools resolve it the same way).
USER 10001:10001
VOLUME ["/var/lib/xiaofei-monitor"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"]

# serve.sh runs the migrations (`monitor init`), then WORKERS Streamlit processes on PORT, PORT+1, …
CMD ["./serve.sh", "--address", "0.0.0.0"]
