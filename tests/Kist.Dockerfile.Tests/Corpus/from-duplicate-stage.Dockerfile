FROM alpine AS x
FROM alpine AS x
