FROM alpine
COPY --from=nginx:latest /etc/nginx/nginx.conf /nginx.conf
