FROM alpine
HEALTHCHECK --intervall=5s CMD true
