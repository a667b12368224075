FROM alpine
ENV E=
WORKDIR ${E:?}
