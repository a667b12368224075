FROM alpine
ARG CACHE=/cache
RUN --mount=type=cache,target=$CACHE,id=${CACHE}-id ls $CACHE
