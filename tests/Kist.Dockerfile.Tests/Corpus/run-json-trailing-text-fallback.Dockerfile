FROM alpine
RUN ["echo", "x"] && true
