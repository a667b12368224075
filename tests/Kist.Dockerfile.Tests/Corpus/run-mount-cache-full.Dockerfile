FROM debian
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked,id=apt,mode=0755,uid=1000,gid=1000 apt-get update
