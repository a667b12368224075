FROM alpine
EXPOSE 80/tcp 53/udp 9000-9010 132/sctp
