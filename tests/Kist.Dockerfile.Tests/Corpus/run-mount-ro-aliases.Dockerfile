FROM alpine
RUN --mount=type=cache,dst=/c,ro --mount=type=bind,src=.,destination=/s,readwrite=true ls
