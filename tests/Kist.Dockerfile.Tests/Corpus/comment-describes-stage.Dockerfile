# The build stage
FROM golang AS build

# The runtime
FROM alpine
