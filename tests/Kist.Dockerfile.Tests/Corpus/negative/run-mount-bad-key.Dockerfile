FROM alpine
RUN --mount=type=cache,target=/c,colour=red echo
