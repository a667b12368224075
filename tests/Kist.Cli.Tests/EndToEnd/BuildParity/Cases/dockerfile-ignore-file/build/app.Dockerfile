FROM kist-parity/busybox:1
COPY . /ctx/
