FROM alpine
RUN --mount=type=bind,target=/b,sharing=locked echo
