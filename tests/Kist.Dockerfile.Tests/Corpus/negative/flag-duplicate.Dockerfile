FROM alpine
COPY --chown=a --chown=b /a /b
