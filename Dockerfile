# The hub's image for docker-compose.yml (users with Docker; not built on the dev machines).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub hub
COPY schemas schemas
RUN pip install --no-cache-dir . && useradd --create-home hub && mkdir -p /var/lib/hub \
    && chown hub /var/lib/hub
USER hub
ENTRYPOINT []
CMD ["hub", "--help"]
