FROM alpine
COPY -- --weird-name /dest
