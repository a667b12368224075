ARG TARGETPLATFORM
FROM --platform=${BUILDPLATFROM:-linux/amd64} alpine AS build
FROM --platform=$TARGETPLATFORM alpine
