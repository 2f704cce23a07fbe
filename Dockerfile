# The octopod-c image: octopod-fcgi, octopod-notifier, octo, the web UI,
# nginx and the migrations, run as a non-root user by
# docker/entrypoint.sh. Build: docker build -t octopod-c .
# The build stage runs the commands README.md documents under "Build and
# install" (t/helm-chart.t checks that they agree).

FROM debian:12 AS build
WORKDIR /src
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build
COPY . .
RUN make
RUN make install DESTDIR=/staging PREFIX=/usr/local

FROM debian:12
COPY scripts/deps.sh /usr/local/share/octopod/scripts/deps.sh
RUN /usr/local/share/octopod/scripts/deps.sh run && rm -rf /var/lib/apt/lists/*
COPY --from=build /staging/usr/local/ /usr/local/
COPY static/ /usr/local/share/octopod/static/
COPY nginx/ /usr/local/share/octopod/nginx/
COPY scripts/stack.sh /usr/local/share/octopod/scripts/stack.sh
COPY docker/entrypoint.sh /usr/local/bin/octopod-entrypoint
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/octopod \
        --create-home --shell /usr/sbin/nologin octopod
USER 10001:10001
ENV OCTOPOD_VAR=/var/lib/octopod \
    MIGRATIONS_DIR=/usr/local/share/octopod/sql \
    UI_PORT=8443 POWER_PORT=8444 HEALTH_PORT=8080 LISTEN_ADDR=0.0.0.0 \
    CONTROL_SCRIPTS_DIR=/control
EXPOSE 8443 8444 8080
ENTRYPOINT ["/usr/local/bin/octopod-entrypoint"]
CMD ["serve"]
