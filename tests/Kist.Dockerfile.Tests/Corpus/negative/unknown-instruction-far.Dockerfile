FROM alpine
RUN ok

FOOBAR x
