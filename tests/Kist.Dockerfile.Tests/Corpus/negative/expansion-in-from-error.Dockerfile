FROM alpine:${TAG:?}
