# mentormatch: the gRPC service in a small image that runs as a non-root user.
#
#   docker build -t mentormatch .
#   docker run --rm -p 50051:50051 -v mentormatch-runs:/var/lib/mentormatch mentormatch
#
# Runs are kept in /var/lib/mentormatch/runs.sqlite (a volume); replicas
# share a PostgreSQL instead: -e MENTORMATCH_DB=postgres://user:pw@host/db.
#
# The build needs only the Rust toolchain (protobuf is compiled in pure
# Rust; the MILP backend is pure Rust). The service drains on SIGTERM
# (`docker stop` sends it): health turns NOT_SERVING, calls in flight get
# --drain-timeout-ms to finish. Give `docker stop -t` more than that.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin mentormatch \
 && strip target/release/mentormatch

FROM debian:bookworm-slim
# tzdata is not needed: time zones are compiled in (chrono-tz).
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mentormatch \
 && mkdir -p /var/lib/mentormatch && chown 10001:10001 /var/lib/mentormatch
COPY --from=build /src/target/release/mentormatch /usr/local/bin/mentormatch
COPY --from=build /src/examples /usr/share/mentormatch/examples
ENV MENTORMATCH_DB=/var/lib/mentormatch/runs.sqlite
VOLUME /var/lib/mentormatch
USER 10001:10001
EXPOSE 50051
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mentormatch"]
CMD ["serve", "--addr", "0.0.0.0:50051", "--log-format", "json"]
