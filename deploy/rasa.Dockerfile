# The Rasa NLU server with the project's model, trained here at build time from the
# repository's NLU data (nlu/project), by the same command as `aftercare nlu train`.
# Build from the repository root:  docker build -f deploy/rasa.Dockerfile -t aftercare-rasa .
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv

# Rasa 3.6 in its own virtualenv where nlu/paths.py looks for it (.venv-rasa), as on a
# developer machine; the pins are the repository's.
COPY nlu/requirements-rasa.txt ./nlu/requirements-rasa.txt
RUN python -m venv /srv/.venv-rasa \
    && /srv/.venv-rasa/bin/pip install "pip<25" setuptools wheel \
    && /srv/.venv-rasa/bin/pip install -r nlu/requirements-rasa.txt

# The nlu package (standard library only) and the Rasa project: data, config, our
# components. The model's name is the hash of these inputs, so the app can tell
# whether the server serves the model of its own code.
COPY nlu ./nlu
RUN python -m nlu train \
    && useradd --system --uid 10001 --home-dir /srv rasa \
    && chown -R rasa /srv/var

USER rasa
EXPOSE 5005
# GET / answers without the token once the server is up.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5005/', timeout=2).status != 200)"]

# Serves the model trained above; the token comes from AFTERCARE_NLU_TOKEN.
CMD ["python", "-m", "nlu", "serve", "--host", "0.0.0.0", "--port", "5005"]
