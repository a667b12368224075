FROM alpine
ENV DATA=/var/lib/data
VOLUME $DATA
