FROM alpine
ENV X=${A:-${B:-${C:-deep}}}
