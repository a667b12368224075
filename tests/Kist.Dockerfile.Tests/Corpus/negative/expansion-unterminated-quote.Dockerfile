FROM alpine
ENV A="unterminated
LABEL x=y
