FROM alpine
ARG VERSION=1.2.3
LABEL version=$VERSION "built-with"="kist ${VERSION}"
