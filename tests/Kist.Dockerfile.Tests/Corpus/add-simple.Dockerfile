FROM alpine
ADD app.tar.gz /opt/
