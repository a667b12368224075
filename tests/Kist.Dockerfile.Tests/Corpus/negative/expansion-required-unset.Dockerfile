FROM alpine
WORKDIR ${APP_DIR:?APP_DIR must be set}
