FROM alpine
ENV HOME_DIR=/home/app
WORKDIR $HOME_DIR/src
