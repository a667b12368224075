FROM alpine
ONBUILD FOO bar
