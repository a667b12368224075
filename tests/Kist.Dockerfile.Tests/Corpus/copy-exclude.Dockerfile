FROM alpine
COPY --exclude=*.txt --exclude=tmp/ . /app
