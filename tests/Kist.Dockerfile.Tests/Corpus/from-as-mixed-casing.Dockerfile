FROM alpine as base
RUN true
