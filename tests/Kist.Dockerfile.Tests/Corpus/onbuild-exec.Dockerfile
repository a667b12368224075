FROM alpine
ONBUILD RUN ["echo", "test"]
