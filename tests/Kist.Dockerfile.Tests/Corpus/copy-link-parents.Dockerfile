FROM alpine
COPY --link --parents ./x/a.txt ./y/a.txt /parents/
