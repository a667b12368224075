FROM alpine
ENV A=$1 B=$@ C=${#}
