# build-arg HTTP_PROXY=http://proxy:3128
FROM alpine
RUN apk add curl
