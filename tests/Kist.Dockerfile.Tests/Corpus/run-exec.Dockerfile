FROM alpine
RUN ["apk", "add", "curl"]
