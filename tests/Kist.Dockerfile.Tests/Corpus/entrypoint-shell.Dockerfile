FROM alpine
ENTRYPOINT exec /app --flag
