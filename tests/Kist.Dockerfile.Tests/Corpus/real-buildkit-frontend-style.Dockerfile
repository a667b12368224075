# syntax=docker/dockerfile-upstream:master
ARG ALPINE_VERSION=3.19
ARG XX_VERSION=1.4.0

FROM --platform=$BUILDPLATFORM tonistiigi/xx:${XX_VERSION} AS xx
FROM --platform=$BUILDPLATFORM golang:1.22-alpine${ALPINE_VERSION} AS base
COPY --from=xx / /
RUN apk add --no-cache git
WORKDIR /src

FROM base AS build
ARG TARGETPLATFORM
RUN --mount=target=. --mount=type=cache,target=/root/.cache \
  --mount=target=/go/pkg/mod,type=cache \
  CGO_ENABLED=0 xx-go build -o /out/app ./cmd/app && \
  xx-verify --static /out/app

FROM scratch AS release
COPY --link --from=build /out/app /
ENTRYPOINT ["/app"]
