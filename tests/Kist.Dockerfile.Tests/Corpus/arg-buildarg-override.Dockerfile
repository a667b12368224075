# build-arg B=fromcli
# build-arg UNUSED=1
FROM alpine
ARG B=default
RUN echo $B
LABEL b=$B
