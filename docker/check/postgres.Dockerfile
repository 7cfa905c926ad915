# Local stand-in for the official `postgres` image, from Debian bookworm's PostgreSQL 15 (used by
# `make docker-check`, where no image registry is reachable). Same interface as the official image for what
# docker/compose.yaml uses: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, data under /var/lib/postgresql
# (the volume), `pg_isready` for the health check, port 5432. Clusters are initialised with UTF8 encoding.
ARG DEBIAN_IMAGE=xiaoer-check/debian:bookworm
FROM ${DEBIAN_IMAGE}
ARG PG_MAJOR=15
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/* \
    && (pg_dropcluster ${PG_MAJOR} main 2>/dev/null || true) \
    && mkdir -p /var/lib/postgresql /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:$PATH \
    PGDATA=/var/lib/postgresql/${PG_MAJOR}/docker \
    LANG=C.UTF-8
USER postgres
VOLUME ["/var/lib/postgresql"]
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
