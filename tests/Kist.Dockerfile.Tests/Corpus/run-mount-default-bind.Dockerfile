FROM alpine
RUN --mount=target=/ctx ls /ctx
