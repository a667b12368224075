FROM alpine
COPY <<EOF /etc/app.conf
port=$PORT
EOF
