FROM alpine
WORKDIR /app
WORKDIR sub
