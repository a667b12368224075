FROM alpine AS a
ARG X=1
FROM alpine AS b
LABEL x=$X
