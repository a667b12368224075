FROM alpine
ENV MSG "hello world"
