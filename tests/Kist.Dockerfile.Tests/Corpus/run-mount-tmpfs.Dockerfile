FROM alpine
RUN --mount=type=tmpfs,target=/tmp,size=64m df /tmp
