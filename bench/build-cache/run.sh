#!/usr/bin/env bash
# kist build --cache-from type=local (and type=registry, against a docker-registry process when installed) on a fresh
# root against the same cold build without it (kist's own figures: docker 20.10's classic client has no local cache
# import to compare with).
# Usage: bench/build-cache/run.sh [KIST_BINARY] [RUNS]   (needs root, busybox-static)
set -euo pipefail
KIST=${1:-out/kist}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/kist-bench-cache-XXXXXX)
REGISTRY_PID=
cleanup() { [ -n "$REGISTRY_PID" ] && kill "$REGISTRY_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/ctx/data"

# A busybox base image, saved once and loaded into each fresh root.
python3 - "$WORK/base.tar" <<'PY'
import subprocess, sys, tarfile
applets = subprocess.run(['/bin/busybox', '--list'], capture_output=True, text=True, check=True).stdout.split()
with tarfile.open(sys.argv[1], 'w') as t:
    for d in ['bin', 'etc', 'tmp']:
        ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
    t.add('/bin/busybox', 'bin/busybox')
    for a in applets:
        if a != 'busybox':
            ti = tarfile.TarInfo('bin/' + a); ti.type = tarfile.SYMTYPE; ti.linkname = 'busybox'; t.addfile(ti)
PY
"$KIST" --root "$WORK/seed" import "$WORK/base.tar" bench-base:1 >/dev/null
"$KIST" --root "$WORK/seed" save -o "$WORK/base-image.tar" bench-base:1

for i in 1 2 3 4 5 6 7 8; do head -c 4M /dev/urandom > "$WORK/ctx/data/f$i"; done
cat > "$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM bench-base:1
COPY data /data
RUN i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo $i > /count
RUN dd if=/dev/urandom of=/rand bs=1M count=32 2>/dev/null && sha256sum /rand /data/* > /sums
CMD ["cat", "/count"]
DOCKERFILE

fresh() { rm -rf "$WORK/$1"; "$KIST" --root "$WORK/$1" load -i "$WORK/base-image.tar" >/dev/null; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

fresh export
echo "export (cold build + --cache-to type=local): $(seconds "$KIST" --root "$WORK/export" build -q -t app:1 --cache-to "type=local,dest=$WORK/cache" "$WORK/ctx")s"
du -sh "$WORK/cache" | awk '{print "cache size: " $1}'

if [ -x /usr/bin/docker-registry ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$WORK/registry" "$PORT" > "$WORK/registry.yml"
  /usr/bin/docker-registry serve "$WORK/registry.yml" >/dev/null 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done
  REF=127.0.0.1:$PORT/bench/app:buildcache
  echo "export to a registry (--cache-to type=registry, layers already local): $(seconds "$KIST" --root "$WORK/export" build -q -t app:1 --cache-to "type=registry,ref=$REF" "$WORK/ctx")s"
fi

cold=() imported=() importedRun=() fromRegistry=()
for _ in $(seq "$RUNS"); do
  fresh cold; cold+=("$(seconds "$KIST" --root "$WORK/cold" build -q -t app:1 "$WORK/ctx")")
  fresh warm; imported+=("$(seconds "$KIST" --root "$WORK/warm" build -q -t app:1 --cache-from "type=local,src=$WORK/cache" "$WORK/ctx")")
  importedRun+=("$(seconds "$KIST" --root "$WORK/warm" run --rm app:1)")
  if [ -n "$REGISTRY_PID" ]; then fresh reg; fromRegistry+=("$(seconds "$KIST" --root "$WORK/reg" build -q -t app:1 --cache-from "$REF" "$WORK/ctx")"); fi
  rm -rf "$WORK/cold" "$WORK/warm" "$WORK/reg"
done
c=$(printf '%s\n' "${cold[@]}" | median); w=$(printf '%s\n' "${imported[@]}" | median); r=$(printf '%s\n' "${importedRun[@]}" | median)
echo "cold build, fresh root:                       ${c}s (median of $RUNS: ${cold[*]})"
echo "cold build, fresh root, --cache-from local:   ${w}s (median of $RUNS: ${imported[*]})"
echo "first kist run after it (unpacks the layers): ${r}s"
echo "ratio cold / with --cache-from:               $(echo "scale=1; $c / $w" | bc)x"
echo "ratio cold / (with --cache-from + first run): $(echo "scale=1; $c / ($w + $r)" | bc)x"
if [ -n "$REGISTRY_PID" ]; then
  g=$(printf '%s\n' "${fromRegistry[@]}" | median)
  echo "cold build, fresh root, --cache-from REGISTRY: ${g}s (median of $RUNS: ${fromRegistry[*]})"
  echo "ratio cold / with --cache-from registry:      $(echo "scale=1; $c / $g" | bc)x"
fi
