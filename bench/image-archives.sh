#!/usr/bin/env bash
# Times kist load / save / import against docker load / save / import on the same ~400 MB image
# (a Debian bookworm minbase root plus a 200 MB layer), in one hyperfine run each, and prints the
# ratios kist/docker. Needs root, the peer tools (scripts/setup.sh) and out/kist (scripts/build.sh).
# Usage: sudo bash bench/image-archives.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
kist="$PWD/out/kist"
[ -x "$kist" ] || bash scripts/build.sh
cache=/var/tmp/kist-bench
work=$(mktemp -d /var/tmp/kist-bench-run.XXXXXX)
image=kist-bench/debian-200m:1
trap 'docker rmi -f "$image" kist-bench/imported:1 kist-bench/minbase:1 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -p "$cache"

# The inputs, made once and kept in the cache: a minbase root, its tarball, and the docker image.
if [ ! -f "$cache/minbase.tar" ]; then
  echo "bench: debootstrap --variant=minbase bookworm (once)"
  rm -rf "$cache/minbase"
  debootstrap --variant=minbase bookworm "$cache/minbase" >/dev/null
  tar -C "$cache/minbase" -cf "$cache/minbase.tar" .
fi
if [ ! -f "$cache/image.tar" ]; then
  docker import "$cache/minbase.tar" kist-bench/minbase:1 >/dev/null
  mkdir -p "$cache/context"
  head -c 200000000 /dev/urandom > "$cache/context/blob.bin"
  printf 'FROM kist-bench/minbase:1\nCOPY blob.bin /opt/blob.bin\nCMD ["bash"]\n' > "$cache/context/Dockerfile"
  docker build -q -t "$image" "$cache/context" >/dev/null
  docker save -o "$cache/image.tar" "$image"
  docker run --rm "$image" true
  cid=$(docker create "$image")
  docker export "$cid" > "$cache/flat.tar"
  docker rm "$cid" >/dev/null # a leftover container would keep the image's layers in docker
fi
echo "bench: image archive $(du -h "$cache/image.tar" | cut -f1), flat rootfs $(du -h "$cache/flat.tar" | cut -f1), $runs runs each"

docker load -i "$cache/image.tar" >/dev/null
root="$work/root"
"$kist" --root "$root" load -i "$cache/image.tar" >/dev/null

results="$work/results"
mkdir -p "$results"
hf() { hyperfine --style basic --runs "$runs" --warmup 1 --export-json "$results/$1.json" "${@:2}" >/dev/null; }

hf load \
  --prepare "$kist --root $work/load rmi -f $image >/dev/null 2>&1; $kist --root $work/load system prune -f >/dev/null; sync" \
  -n kist "$kist --root $work/load load -q -i $cache/image.tar" \
  --prepare "docker rmi -f $image >/dev/null 2>&1; sync" \
  -n docker "docker load -q -i $cache/image.tar"
hf save \
  --prepare "rm -f $work/out.tar; sync" \
  -n kist "$kist --root $root save -o $work/out.tar $image" \
  --prepare "rm -f $work/out.tar; sync" \
  -n docker "docker save -o $work/out.tar $image"
hf import \
  --prepare "sync" \
  -n kist "$kist --root $work/import import $cache/flat.tar kist-bench/imported:1" \
  --prepare "docker rmi -f kist-bench/imported:1 >/dev/null 2>&1; sync" \
  -n docker "docker import $cache/flat.tar kist-bench/imported:1"

printf '\n%-8s %12s %12s %8s\n' operation kist docker ratio
for op in load save import; do
  jq -r --arg op "$op" '[.results[] | {(.command): .mean}] | add | "\($op) \(.kist) \(.docker) \(.kist / .docker)"' "$results/$op.json" |
    awk '{ printf "%-8s %11.2fs %11.2fs %7.2fx\n", $1, $2, $3, $4 }'
done
