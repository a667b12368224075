# check=experimental=all
# ignore *.md
# ignore build
FROM alpine AS base
COPY README.md /docs/
ADD build/out.tar /opt/
COPY --from=base README.md /x
COPY docs/guide.txt /docs/
