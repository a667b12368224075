FROM alpine
RUN --mont=type=cache,target=/c echo
