FROM alpine
ADD --chown=1000:1000 --chmod=755 --link --exclude=*.md --unpack=false files/ /app/
