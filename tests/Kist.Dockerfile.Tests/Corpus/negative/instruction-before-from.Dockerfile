ARG X=1
ENV A=b
FROM alpine
