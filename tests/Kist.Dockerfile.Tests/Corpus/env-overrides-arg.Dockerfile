FROM alpine
ARG V=arg
ENV V=env
RUN echo $V
LABEL v=$V
