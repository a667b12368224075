FROM alpine AS base
WORKDIR /app
FROM base
WORKDIR src
