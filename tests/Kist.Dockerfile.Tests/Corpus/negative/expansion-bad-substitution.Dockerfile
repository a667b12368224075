FROM alpine
ENV A=${}
