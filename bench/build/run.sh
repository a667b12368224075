#!/usr/bin/env bash
# Build benchmark, in one hyperfine run per scenario: `kist build` against BuildKit (`DOCKER_BUILDKIT=1
# /usr/bin/docker build`) and `buildah bud --isolation chroot` on four contexts (contexts.sh): a small app, a COPY of
# 10,000 files, a three-stage build and a RUN writing 200 MB. Two modes each:
#   cold     no build cache, the base image present: each tool first removes the previous build's image and
#            prunes its build cache (rmi + builder prune; buildah: rmi + rmi --prune), kist and buildah also
#            build with --no-cache                                             (target: kist/docker <= 0.7)
#   rebuild  nothing changed since the previous build, every tool's cache warm (target: kist/docker <= 0.5)
# Prints every ratio (kist/docker, kist/buildah). Needs root, hyperfine, buildah, docker and out/kist
# (scripts/build.sh) or KIST=/path/to/kist. Usage: sudo [SCENARIOS="app big"] bash bench/build/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
kist=${KIST:-$PWD/out/kist}
docker=/usr/bin/docker
[ -x "$kist" ] || bash scripts/build.sh
work=$(mktemp -d /var/tmp/kist-bench-build.XXXXXX)
base=kist-bench/build-base:1
root="$work/kist-root"
buildah=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver overlay)
read -ra scenarios <<< "${SCENARIOS:-app files stages big}"  # SCENARIOS="big" runs one
cleanup() {
  for s in "${scenarios[@]}"; do $docker rmi -f "kist-bench/build-$s:1" >/dev/null 2>&1 || true; done
  $docker rmi -f "$base" >/dev/null 2>&1 || true
  "${buildah[@]}" rm -a >/dev/null 2>&1 || true
  "${buildah[@]}" rmi -af >/dev/null 2>&1 || true
  grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The base image, identical for the three tools: busybox-static and its applets, made by kist, loaded from kist save.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$work/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$kist" --root "$root" import -c 'CMD ["sh"]' "$work/rootfs.tar" "$base" >/dev/null
"$kist" --root "$root" save -o "$work/base.tar" "$base"
$docker load -i "$work/base.tar" >/dev/null
"${buildah[@]}" pull -q "docker-archive:$work/base.tar" >/dev/null
"${buildah[@]}" tag "$("${buildah[@]}" images -q | head -1)" "$base"
bash bench/build/contexts.sh "$work/ctx" "$base"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (ratios are only meaningful on a quiet machine)" >&2

for s in "${scenarios[@]}"; do
  tag="kist-bench/build-$s:1" ctx="$work/ctx/$s"
  kist_build="$kist --root $root build -t $tag"
  docker_build="DOCKER_BUILDKIT=1 $docker build -t $tag"
  buildah_build="${buildah[*]} bud --isolation chroot --layers --pull=never -t $tag"
  # hyperfine pairs the --prepare options with the commands in order.
  hyperfine --runs "$runs" --export-json "$work/$s-cold.json" \
    --prepare "$kist --root $root rmi -f $tag >/dev/null 2>&1 || true; $kist --root $root builder prune -af >/dev/null" \
    --prepare "$docker rmi -f $tag >/dev/null 2>&1 || true; $docker builder prune -af >/dev/null" \
    --prepare "${buildah[*]} rmi -f $tag >/dev/null 2>&1 || true; ${buildah[*]} rmi --prune >/dev/null 2>&1 || true" \
    -n kist "$kist_build --no-cache $ctx" -n docker "$docker_build $ctx" -n buildah "$buildah_build --no-cache $ctx"
  # Rebuilds: each tool built the context just before (the cold runs), so its cache is warm.
  hyperfine --runs "$runs" --warmup 1 --export-json "$work/$s-rebuild.json" \
    -n kist "$kist_build $ctx" -n docker "$docker_build $ctx" -n buildah "$buildah_build $ctx"
done

echo
echo "kist build ratios (mean times; lower is better for kist):"
for s in "${scenarios[@]}"; do
  for mode in cold rebuild; do
    target=$([ $mode = cold ] && echo 0.7 || echo 0.5)
    jq -r --arg name "$s $mode" --argjson target "$target" '
      (.results | map({(.command): .mean}) | add) as $m
      | ($m.kist / $m.docker) as $rd
      | "\($name | . + " " * (14 - length)) kist \($m.kist * 1000 | round) ms, docker \($m.docker * 1000 | round) ms, buildah \($m.buildah * 1000 | round) ms:"
        + "  kist/docker = \($rd * 100 | round / 100) (target <= \($target)) \(if $rd <= $target then "OK" else "OVER" end)"
        + ", kist/buildah = \($m.kist / $m.buildah * 100 | round / 100)"' "$work/$s-$mode.json"
  done
done
