FROM --platform=linux/amd64 alpine
