#!/usr/bin/env bash
# kist pull/push against docker pull/push (and skopeo copy alongside), in one run, all against the same
# distribution `docker-registry` on 127.0.0.1 with filesystem storage, on the ~400 MB image of
# bench/image-archives.sh (a Debian minbase root plus a 200 MB random layer).
#   push: each run to a fresh, empty registry; docker and kist push from their own store.
#   pull: the image as `docker push` left it (gzip layers); each run without the image locally.
# Prints the ratios kist/docker; targets: pull <= 0.5, push <= 0.5.
# Needs root, docker (dockerd running), docker-registry, skopeo, hyperfine, jq, and /var/tmp/kist-bench/image.tar
# (made by bench/image-archives.sh). KIST=/path/to/kist uses that binary, else out/kist (scripts/build.sh).
#   sudo bash bench/pull-push.sh            # RUNS=5 for more runs (default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
work="${BENCH_DIR:-/tmp/kist-bench-pullpush}"
runs="${RUNS:-3}"
port="${PORT:-5103}"
reg="127.0.0.1:$port"
archive=/var/tmp/kist-bench/image.tar
source_image="kist-bench/debian-200m:1"
kist="${KIST:-$repo/out/kist}"
mkdir -p "$work"

wait_ready() {
  for _ in $(seq 1 100); do
    curl -fs "http://$reg/v2/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "docker-registry on $reg did not start" >&2; return 1
}

stop_registry() {
  if [ -f "$work/registry.pid" ]; then
    local pid; pid="$(cat "$work/registry.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$work/registry.pid"
  fi
}

start_registry() {
  cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/storage
  delete:
    enabled: true
http:
  addr: $reg
YML
  /usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
  echo $! > "$work/registry.pid"
  wait_ready
}

# Subcommands for hyperfine's --prepare.
case "${1:-}" in
  reset) stop_registry; rm -rf "$work/storage"; start_registry; exit 0 ;;
  docker-rmi) docker rmi -f "$reg/bench/pulled:1" >/dev/null 2>&1 || true; docker image prune -f >/dev/null 2>&1 || true; exit 0 ;;
  kist-clean) rm -rf "$work/kist-pull-root" "$work/skopeo-oci"; exit 0 ;;
  stop) stop_registry; exit 0 ;;
esac

for tool in docker docker-registry skopeo hyperfine jq curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[ -f "$archive" ] || { echo "missing $archive: run bench/image-archives.sh first" >&2; exit 1; }
[ -x "$kist" ] || bash "$repo/scripts/build.sh"

cleanup() {
  "$here/pull-push.sh" stop || true
  docker rmi -f "$reg/bench/docker:1" "$reg/bench/pulled:1" "$source_image" >/dev/null 2>&1 || true
  rm -rf "$work/storage" "$work/kist-root" "$work/kist-pull-root" "$work/skopeo-oci"
}
trap cleanup EXIT

echo "loading the image into docker and kist..." >&2
docker load -q -i "$archive" >/dev/null
docker tag "$source_image" "$reg/bench/docker:1"
rm -rf "$work/kist-root"
"$kist" --root "$work/kist-root" load -q -i "$archive" >/dev/null
"$kist" --root "$work/kist-root" tag "$source_image" "$reg/bench/kist:1"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2

hyperfine --runs "$runs" --export-json "$work/push.json" --prepare "$here/pull-push.sh reset" \
  -n "push kist" "$kist --root $work/kist-root push -q $reg/bench/kist:1" \
  -n "push docker" "docker push -q $reg/bench/docker:1" \
  -n "push skopeo" "skopeo copy -q --dest-tls-verify=false docker-archive:$archive docker://$reg/bench/skopeo:1"

# The pull source: the image as docker pushes it (gzip layers), and no copy of its layers left in docker.
"$here/pull-push.sh" reset
docker tag "$source_image" "$reg/bench/pulled:1"
docker push -q "$reg/bench/pulled:1" >/dev/null
docker rmi -f "$reg/bench/docker:1" "$reg/bench/pulled:1" "$source_image" >/dev/null
docker image prune -f >/dev/null
if docker image inspect "$reg/bench/pulled:1" >/dev/null 2>&1 || [ -n "$(docker ps -aq --filter "ancestor=$source_image")" ]; then
  echo "docker still holds the image (a container uses it?): docker pull would not download it" >&2; exit 1
fi

hyperfine --runs "$runs" --export-json "$work/pull.json" \
  -n "pull kist" --prepare "$here/pull-push.sh kist-clean" "$kist --root $work/kist-pull-root pull -q $reg/bench/pulled:1" \
  -n "pull docker" --prepare "$here/pull-push.sh docker-rmi" "docker pull -q $reg/bench/pulled:1" \
  -n "pull skopeo" --prepare "$here/pull-push.sh kist-clean" "skopeo copy -q --src-tls-verify=false docker://$reg/bench/pulled:1 oci:$work/skopeo-oci:pulled"

for op in push pull; do
  jq -r --arg op "$op" '
    (.results | map({key: .command, value: .mean}) | from_entries) as $m
    | ($m["\($op) kist"] / $m["\($op) docker"]) as $r
    | "\($op): kist \($m["\($op) kist"] * 1000 | round / 1000)s, docker \($m["\($op) docker"] * 1000 | round / 1000)s, skopeo \($m["\($op) skopeo"] * 1000 | round / 1000)s; kist/docker \($r * 100 | round / 100) (target <= 0.5) \(if $r <= 0.5 then "OK" else "OVER" end), skopeo/docker \($m["\($op) skopeo"] / $m["\($op) docker"] * 100 | round / 100)"' "$work/$op.json"
done
