FROM alpine
COPY ["src dir/", "/app/"]
