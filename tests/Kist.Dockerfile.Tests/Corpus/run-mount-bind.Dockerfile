FROM alpine AS src
FROM alpine
RUN --mount=type=bind,from=src,source=/etc,target=/mnt/etc,rw ls /mnt/etc
