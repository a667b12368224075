FROM alpine
LABEL maintainer Jane Doe <jane@example.com>
