# Local stand-in for `python:3.11-slim` where no image registry is reachable (used by `make docker-check`).
# Debian bookworm's Python is 3.11, the version docker/Dockerfile asks for. The build context is a temporary
# directory holding this file and the host's extra CA certificates (certs/), so pip inside the image trusts
# the same HTTPS proxy as the host; the certificates are never part of the repository.
ARG DEBIAN_IMAGE=xiaoer-check/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY certs/ /usr/local/share/ca-certificates/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates python3 python3-venv python-is-python3 \
    && update-ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ENV LANG=C.UTF-8
CMD ["python3"]
