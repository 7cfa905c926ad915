# Local stand-in for the official `nginx` image, from Debian bookworm's nginx 1.22 (used by
# `make docker-check`, where no image registry is reachable). Like the official image it reads
# /etc/nginx/conf.d/*.conf (docker/nginx.conf is mounted there), logs to stdout/stderr and runs in the foreground.
ARG DEBIAN_IMAGE=xiaoer-check/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
