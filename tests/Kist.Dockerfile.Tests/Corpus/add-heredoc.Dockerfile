FROM alpine
ADD <<EOF /etc/motd
Welcome
EOF
