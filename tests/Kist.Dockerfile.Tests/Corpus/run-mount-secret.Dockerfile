FROM alpine
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true cat /root/.npmrc
