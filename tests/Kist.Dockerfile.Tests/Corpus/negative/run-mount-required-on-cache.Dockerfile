FROM alpine
RUN --mount=type=cache,required,target=/c echo
