ARG REG=docker.io
ARG IMG=${REG}/library/alpine
FROM $IMG
