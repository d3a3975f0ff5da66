# The Aftercare app (HTTP API, console, web chat, Telegram, outbox dispatcher).
# Build from the repository root:  docker build -f deploy/app.Dockerfile -t aftercare-app .
# It talks to Rasa over HTTP (RASA_URL) and never runs Rasa itself.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv

# Dependencies first (a layer that survives code changes), then the code: a plain,
# non-editable install, so the container never pip-installs at start.
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY bot ./bot
COPY nlu ./nlu
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /srv aftercare \
    && mkdir -p /srv/var/attachments && chown -R aftercare /srv/var

USER aftercare
# var/ holds the photos customers send (a volume in docker-compose.yml).
VOLUME ["/srv/var"]
ENV AFTERCARE_HOST=0.0.0.0 AFTERCARE_PORT=8080 AFTERCARE_VAR_DIR=/srv/var
EXPOSE 8080

# Ready = store reachable, migrations applied, the NLU answering (GET /readyz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=2).status != 200)"]

CMD ["aftercare", "run"]
