ARG RUST_VERSION=1.77
FROM rust:${RUST_VERSION}-slim-bookworm AS build
ARG APP_NAME=server
WORKDIR /app
RUN --mount=type=bind,source=src,target=src \
    --mount=type=bind,source=Cargo.toml,target=Cargo.toml \
    --mount=type=bind,source=Cargo.lock,target=Cargo.lock \
    --mount=type=cache,target=/app/target/ \
    --mount=type=cache,target=/usr/local/cargo/registry/ \
    <<EOF
set -e
cargo build --locked --release
cp ./target/release/$APP_NAME /bin/server
EOF

FROM debian:bookworm-slim AS final
COPY --from=build /bin/server /bin/
EXPOSE 8000
CMD ["/bin/server"]
