FROM alpine
RUN --mount=type=bind,target=/c,mode=0700 echo
