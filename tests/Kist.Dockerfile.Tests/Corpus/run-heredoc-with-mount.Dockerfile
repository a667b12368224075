FROM alpine
RUN --mount=type=cache,target=/c <<EOF
ls /c
EOF
