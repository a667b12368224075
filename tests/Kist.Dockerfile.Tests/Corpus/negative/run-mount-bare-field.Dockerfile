FROM alpine
RUN --mount=type=cache,target=/c,nocache echo
