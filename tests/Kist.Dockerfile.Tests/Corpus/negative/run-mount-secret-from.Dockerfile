FROM alpine
RUN --mount=type=secret,id=x,from=y echo
