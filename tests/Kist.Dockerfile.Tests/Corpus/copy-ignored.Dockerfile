# check=experimental=CopyIgnoredFile
# ignore secrets/
# ignore *.log
# ignore !keep.log
FROM alpine
COPY secrets/key.pem /k
COPY debug.log /d
COPY keep.log /k2
COPY src/ /src
