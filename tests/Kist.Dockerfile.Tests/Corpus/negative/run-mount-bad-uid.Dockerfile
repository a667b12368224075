FROM alpine
RUN --mount=type=cache,target=/c,uid=-1 echo
