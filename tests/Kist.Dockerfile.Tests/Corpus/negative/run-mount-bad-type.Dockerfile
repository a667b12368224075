FROM alpine
RUN --mount=type=volume,target=/v echo
