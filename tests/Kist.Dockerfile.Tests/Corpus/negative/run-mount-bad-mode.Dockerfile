FROM alpine
RUN --mount=type=cache,target=/c,mode=999 echo
