FROM alpine
COPY a.txt b.txt c/ /dest/
