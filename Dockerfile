# syntax=docker/dockerfile:1
# Pesisir's image: built from uv.lock, run as a non-root user, against the PostGIS in PESISIR_DATABASE_URL (the
# service's role) and PESISIR_DATABASE_OWNER_URL (the schema owner: migrations, loading; see README, Database).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# The service's dependencies only (no dependency group: no test tools, Jupyter or matplotlib), first, so code
# changes do not rebuild them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY README.md ./
COPY app ./app
COPY geo ./geo
COPY data ./data
# Editable: the code runs from /app, beside data/ which it reads.
RUN uv sync --frozen --no-default-groups

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 pesisir \
 && useradd --system --uid 10001 --gid pesisir --home-dir /app --shell /usr/sbin/nologin pesisir
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# PESISIR_WORKERS (web server processes) is left to the run: unset, one per core the container may use (its CPU
# affinity; a --cpus quota is not seen, so set PESISIR_WORKERS to it then). compose.yaml sets 2.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PESISIR_HOST=0.0.0.0 \
    PESISIR_PORT=8000
USER pesisir
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Migrate, load base and demo data (idempotent), serve.
CMD ["pesisir", "run"]
