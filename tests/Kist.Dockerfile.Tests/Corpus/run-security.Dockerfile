FROM alpine
RUN --security=insecure echo privileged
RUN --security=sandbox echo sandbox
