FROM alpine:3.19
RUN set -eux; addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis
RUN apk add --no-cache 'su-exec>=0.2' tzdata
ENV REDIS_VERSION 7.2.4
ENV REDIS_DOWNLOAD_URL http://download.redis.io/releases/redis-7.2.4.tar.gz
RUN mkdir /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
