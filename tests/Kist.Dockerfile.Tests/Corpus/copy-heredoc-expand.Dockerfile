FROM alpine
ARG PORT=8080
COPY <<EOF /etc/app.conf
port=$PORT
EOF
