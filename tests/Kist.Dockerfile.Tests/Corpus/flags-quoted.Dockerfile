FROM alpine
COPY --chown="app user" a /b
