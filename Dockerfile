# The octopod-c image: octopod-fcgi, octopod-notifier, octo, the web UI,
# nginx and the migrations, run as a non-root user by
# docker/entrypoint.sh. Build: `make image` (podman; docs/deployment.md),
# or docker build -t octopod-c .
# The build stage runs the commands README.md documents under "Build and
# install" (t/helm-chart.t checks that they agree); the binaries are
# built without debug information and stripped (CFLAGS, LDFLAGS).

FROM debian:12 AS build
WORKDIR /src
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build
COPY . .
ENV CFLAGS="-O2" LDFLAGS="-s"
RUN make
RUN make install DESTDIR=/staging PREFIX=/usr/local

# The run stage: the runtime packages (scripts/deps.sh run: nginx, the
# libraries, openssl, curl for control/local's check) without their
# documentation, and no apt lists or caches left behind.
FROM debian:12
COPY docker/dpkg-nodoc.cfg /etc/dpkg/dpkg.cfg.d/octopod-nodoc
COPY scripts/deps.sh /usr/local/share/octopod/scripts/deps.sh
RUN /usr/local/share/octopod/scripts/deps.sh run && \
    apt-get clean && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
        /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
COPY --from=build /staging/usr/local/ /usr/local/
COPY static/ /usr/local/share/octopod/static/
COPY nginx/ /usr/local/share/octopod/nginx/
COPY scripts/stack.sh /usr/local/share/octopod/scripts/stack.sh
COPY docker/entrypoint.sh /usr/local/bin/octopod-entrypoint
RUN groupadd --system --gid 10001 octopod && \
    useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/octopod \
        --create-home --shell /usr/sbin/nologin octopod
USER 10001:10001
ENV OCTOPOD_VAR=/var/lib/octopod \
    MIGRATIONS_DIR=/usr/local/share/octopod/sql \
    UI_PORT=8443 POWER_PORT=8444 HEALTH_PORT=8080 LISTEN_ADDR=0.0.0.0 \
    CONTROL_SCRIPTS_DIR=/control
EXPOSE 8443 8444 8080
ENTRYPOINT ["/usr/local/bin/octopod-entrypoint"]
CMD ["serve"]
