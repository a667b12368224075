FROM alpine
ADD
