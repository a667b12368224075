FROM alpine AS scratch
FROM busybox AS context
