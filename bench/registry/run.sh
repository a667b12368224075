#!/usr/bin/env bash
# Registry benchmark, in one run, ratios against the reference registry (distribution's docker-registry):
#   docker push and docker pull of a ~400 MB image (4 layers of 100 MB + busybox) to/from
#   `kist registry serve` and `docker-registry serve`, both on 127.0.0.1 with filesystem storage.
#   Target: ratio kist/docker-registry <= 1.0 for both.
# Needs: docker (dockerd running; 127.0.0.0/8 registries are insecure-allowed), docker-registry, hyperfine, jq,
# busybox-static, dotnet. Data goes to ${BENCH_DIR:-/tmp/kist-bench-registry} (not the repo).
# KIST=/path/to/kist uses that binary; otherwise the CLI is published (Native AOT) into the bench folder.
#   bench/registry/run.sh            # the whole benchmark
#   RUNS=5 bench/registry/run.sh     # more runs per measurement (default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${BENCH_DIR:-/tmp/kist-bench-registry}"
runs="${RUNS:-3}"
kport="${KIST_PORT:-5101}"
dport="${DIST_PORT:-5102}"
image="kist-bench/registry-img:1"
mkdir -p "$work"

wait_ready() { # port pid
  for _ in $(seq 1 100); do
    kill -0 "$2" 2>/dev/null || { echo "registry on port $1 exited" >&2; return 1; }
    curl -fs "http://127.0.0.1:$1/v2/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "registry on port $1 did not start" >&2; return 1
}

stop_server() { # name
  local pidfile="$work/$1.pid"
  if [ -f "$pidfile" ]; then
    local pid; pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      grep VmHWM "/proc/$pid/status" 2>/dev/null | awk -v n="$1" '{print n, $2}' >> "$work/peak-rss.txt" || true
      kill "$pid"; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then echo "$1 did not stop on SIGTERM" >&2; kill -9 "$pid"; sleep 0.5; fi
    fi
    rm -f "$pidfile"
  fi
}

start_server() { # name
  case "$1" in
    kist)
      "$(cat "$work/kist-path")" --root "$work/kist-root" registry serve --addr "127.0.0.1:$kport" --storage "$work/kist-storage" >"$work/kist.log" 2>&1 &
      echo $! > "$work/kist.pid"; wait_ready "$kport" "$(cat "$work/kist.pid")" ;;
    dist)
      cat > "$work/dist.yml" <<YML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $work/dist-storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$dport
YML
      /usr/bin/docker-registry serve "$work/dist.yml" >"$work/dist.log" 2>&1 &
      echo $! > "$work/dist.pid"; wait_ready "$dport" "$(cat "$work/dist.pid")" ;;
  esac
}

# Subcommands used by hyperfine's --prepare.
case "${1:-}" in
  reset) stop_server "$2"; rm -rf "$work/$2-storage"; start_server "$2"; exit 0 ;;
  rmi) docker rmi -f "127.0.0.1:$kport/$image" "127.0.0.1:$dport/$image" >/dev/null 2>&1 || true; exit 0 ;;
  stop) stop_server kist; stop_server dist; exit 0 ;;
esac

for tool in docker docker-registry hyperfine jq curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "missing /bin/busybox (busybox-static)" >&2; exit 1; }

if [ -n "${KIST:-}" ]; then
  echo "$KIST" > "$work/kist-path"
else
  echo "publishing kist (Native AOT)..." >&2
  dotnet publish "$repo/src/Kist.Cli" -c Release -o "$work/kist-bin" --nologo -v q >/dev/null
  echo "$work/kist-bin/kist" > "$work/kist-path"
fi

cleanup() {
  "$here/run.sh" stop || true
  docker rmi -f "127.0.0.1:$kport/$image" "127.0.0.1:$dport/$image" "$image" kist-bench/registry-base:1 >/dev/null 2>&1 || true
  rm -rf "$work/kist-storage" "$work/dist-storage" "$work/kist-root" "$work/ctx"
}
trap cleanup EXIT

echo "building the ~400 MB image..." >&2
rm -rf "$work/ctx" && mkdir -p "$work/ctx/rootfs/bin"
cp /bin/busybox "$work/ctx/rootfs/bin/busybox"
ln -sf busybox "$work/ctx/rootfs/bin/sh"
tar -C "$work/ctx/rootfs" -cf - . | docker import - kist-bench/registry-base:1 >/dev/null
for i in 1 2 3 4; do head -c $((100 * 1024 * 1024)) /dev/urandom > "$work/ctx/layer$i"; done
printf 'FROM kist-bench/registry-base:1\nCOPY layer1 /data/1\nCOPY layer2 /data/2\nCOPY layer3 /data/3\nCOPY layer4 /data/4\n' > "$work/ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$image" -f "$work/ctx/Dockerfile" "$work/ctx" >/dev/null
docker rmi kist-bench/registry-base:1 >/dev/null
rm -rf "$work/ctx"
docker tag "$image" "127.0.0.1:$kport/$image"
docker tag "$image" "127.0.0.1:$dport/$image"
docker image inspect --format '{{.Size}}' "$image" | awk '{printf "image size: %.0f MB\n", $1/1e6}' >&2
rm -f "$work/peak-rss.txt"
start_server kist
start_server dist
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (ratios are only meaningful on a quiet machine)" >&2

hyperfine --runs "$runs" --export-json "$work/push.json" \
  --prepare "$here/run.sh reset kist" --prepare "$here/run.sh reset dist" \
  -n "push kist" "docker push -q 127.0.0.1:$kport/$image" \
  -n "push docker-registry" "docker push -q 127.0.0.1:$dport/$image"
docker rmi -f "$image" >/dev/null
hyperfine --runs "$runs" --export-json "$work/pull.json" \
  --prepare "$here/run.sh rmi" \
  -n "pull kist" "docker pull -q 127.0.0.1:$kport/$image" \
  -n "pull docker-registry" "docker pull -q 127.0.0.1:$dport/$image"
"$here/run.sh" stop

for op in push pull; do
  jq -r --arg op "$op" '
    (.results | map({key: .command, value: .mean}) | from_entries) as $m
    | ($m["\($op) kist"] / $m["\($op) docker-registry"]) as $r
    | "\($op): kist \($m["\($op) kist"] * 1000 | round / 1000)s, docker-registry \($m["\($op) docker-registry"] * 1000 | round / 1000)s, ratio \($r * 100 | round / 100) (target <= 1.0) \(if $r <= 1.0 then "OK" else "OVER" end)"' "$work/$op.json"
done
awk '{ if ($2 > peak[$1]) peak[$1] = $2 } END { for (n in peak) printf "peak RSS %s: %.0f MB\n", (n == "dist" ? "docker-registry" : n), peak[n] / 1024 }' "$work/peak-rss.txt"
