FROM alpine
RUN cat 3<<EOF /dev/fd/3
three
EOF
