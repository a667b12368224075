FROM alpine
ENV APP=/srv/app
COPY . ${APP}/
WORKDIR $APP
