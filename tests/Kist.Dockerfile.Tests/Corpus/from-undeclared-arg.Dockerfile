FROM alpine:${VERSON}
