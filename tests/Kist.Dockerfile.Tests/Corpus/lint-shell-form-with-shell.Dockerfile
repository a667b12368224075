FROM alpine AS base
RUN apk add bash
SHELL ["/bin/bash", "-c"]
ENTRYPOINT echo "hello world"

FROM base
CMD echo inherited shell

FROM alpine
CMD echo no shell here
