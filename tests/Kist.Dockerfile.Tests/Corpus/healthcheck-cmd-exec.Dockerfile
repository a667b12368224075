FROM alpine
HEALTHCHECK --interval=1m30s --timeout=10s --start-period=5s --start-interval=500ms --retries=3 CMD ["curl", "-f", "http://localhost"]
