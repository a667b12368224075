FROM alpine
COPY $SRC /dest
