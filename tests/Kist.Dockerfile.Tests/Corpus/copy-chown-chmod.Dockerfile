FROM alpine
COPY --chown=app:app --chmod=0644 config.yml /etc/app/
