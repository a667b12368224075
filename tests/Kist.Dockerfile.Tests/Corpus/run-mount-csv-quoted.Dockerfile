FROM alpine
RUN --mount='type=bind,"target=/a,b"' ls
