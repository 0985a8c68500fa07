# Renkou: the web application (gunicorn) and, with another command, its RQ workers and migrations.
#   docker build -t renkou .
#   docker compose -f deploy/docker-compose.yml up -d        (see deploy/README.md)
# No secret is baked in: RENKOU_SECRET_KEY, RENKOU_DATABASE_URL and the rest come from the environment.

# --- build: install the project and its dependencies into a virtualenv ------------------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
WORKDIR /src
# README.md* : the long description, copied once the file exists (a wildcard may match nothing).
COPY pyproject.toml README.md* ./
COPY platform ./platform
COPY tenants ./tenants
COPY workers ./workers
RUN /opt/venv/bin/pip install .

# --- runtime ------------------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RENKOU_DATA_DIR=/app/var

RUN groupadd --system renkou \
    && useradd --system --gid renkou --home-dir /app --no-create-home --shell /usr/sbin/nologin renkou

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
RUN mkdir -p /app/var && chown renkou:renkou /app/var

USER renkou

EXPOSE 8000

# Liveness of the web process. slim has no curl; Python's urllib does the request. The worker and
# migrate services of deploy/docker-compose.yml switch this check off.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "renkou.wsgi:app"]
