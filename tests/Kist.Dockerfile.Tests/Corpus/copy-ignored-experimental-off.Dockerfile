# ignore secrets/
FROM alpine
COPY secrets/key.pem /k
