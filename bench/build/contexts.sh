#!/usr/bin/env bash
# Writes the four benchmark build contexts under $1, each FROM $2 (a busybox image every tool has locally):
#   app     a small app image: ENV, WORKDIR, COPY, RUN, CMD
#   files   a COPY of 10,000 files (100 directories of 100 files, 1 KiB each)
#   stages  a three-stage build (produce, transform, copy into a clean final stage)
#   big     a RUN writing 200 MB (incompressible, from /dev/urandom)
set -euo pipefail
out=$1 base=$2
mkdir -p "$out"/{app/src,files,stages,big}

cat > "$out/app/Dockerfile" <<DOCKERFILE
FROM $base
ENV APP_HOME=/srv/app APP_ENV=production
WORKDIR \$APP_HOME
COPY src/ ./
RUN chmod +x run.sh && sh -c 'for f in *.txt; do wc -c "\$f"; done' > sizes.txt
CMD ["sh", "run.sh"]
DOCKERFILE
printf '#!/bin/sh\necho app\n' > "$out/app/src/run.sh"
for i in $(seq 1 20); do head -c $((i * 512)) /dev/urandom | base64 > "$out/app/src/data$i.txt"; done

cat > "$out/files/Dockerfile" <<DOCKERFILE
FROM $base
COPY tree/ /data/
DOCKERFILE
if [ ! -d "$out/files/tree" ]; then
  python3 - "$out/files/tree" <<'PY'
import os, sys, random
root = sys.argv[1]; r = random.Random(7)
for d in range(100):
    dd = os.path.join(root, f"d{d:03}"); os.makedirs(dd)
    for f in range(100):
        open(os.path.join(dd, f"f{f:03}"), "wb").write(r.randbytes(1024))
PY
fi

cat > "$out/stages/Dockerfile" <<DOCKERFILE
FROM $base AS produce
RUN mkdir -p /out && for i in \$(seq 1 200); do head -c 4096 /dev/urandom > /out/part\$i; done

FROM produce AS transform
RUN mkdir -p /result && cat /out/part* > /result/joined && md5sum /result/joined > /result/joined.md5

FROM $base
COPY --from=transform /result /app
CMD ["cat", "/app/joined.md5"]
DOCKERFILE

cat > "$out/big/Dockerfile" <<DOCKERFILE
FROM $base
RUN head -c 209715200 /dev/urandom > /big.bin
DOCKERFILE
