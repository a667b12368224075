#!/usr/bin/env bash
# Container start cost, in one hyperfine run: `kist run --rm IMAGE true` against `runc run` of an already
# prepared bundle of the same image (rootfs from `kist image unpack`, config from `runc spec`) and against
# `docker run --rm IMAGE true`; prints the ratios kist/runc and kist/docker and, with KIST_TIMINGS=1, where a
# kist run spends its time. The image is busybox-static on a one-layer rootfs, loaded into docker from
# `kist save`. runc also runs the bundle with kist's seccomp filter added, and with kist's whole config.json, to show
# what docker's defaults cost runc itself.
# All run without a network (--network none), so that only the start itself is measured; last, kist and docker once
# more with their default network (a bridge each), as a user runs `run --rm IMAGE true`.
# Needs root, the peer tools (scripts/setup.sh) and out/kist (scripts/build.sh), or KIST=/path/to/kist.
# Usage: sudo bash bench/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
kist=${KIST:-$PWD/out/kist}
[ -x "$kist" ] || bash scripts/build.sh
work=$(mktemp -d /var/tmp/kist-bench-run.XXXXXX)
image=kist-bench/busybox-run:1
root="$work/root"
cleanup() {
  runc --root "$work/runc" delete -f kist-bench-runc >/dev/null 2>&1 || true
  "$kist" --root "$root" ps -aq 2>/dev/null | xargs -r "$kist" --root "$root" rm -f >/dev/null 2>&1 || true
  docker rmi -f "$image" >/dev/null 2>&1 || true
  grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The image: busybox and its applet links.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in sh true echo cat sleep; do ln -s busybox "$work/rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$work/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$kist" --root "$root" import -c 'CMD ["sh"]' "$work/rootfs.tar" "$image" >/dev/null
"$kist" --root "$root" save -o "$work/image.tar" "$image"
docker load -i "$work/image.tar" >/dev/null

# The runc bundle, made once: the same image unpacked, runc's default spec running `true`.
mkdir -p "$work/bundle"
"$kist" --root "$root" image unpack "$image" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec && jq '.process.terminal=false | .process.args=["true"]' config.json > c.json && mv c.json config.json)

# The same bundle with the seccomp filter kist (as docker) gives every container, taken from a kist container's
# config.json: runc compiles and loads it at each start, which runc's default spec does not ask for.
cp -r "$work/bundle" "$work/bundle-seccomp"
cid=$("$kist" --root "$root" run -d --network none "$image" sleep 600)
kist_bundle=$(runc --root "$root/runtime/runc" state "$cid" | jq -r .bundle) # on a tmpfs when the machine has one
jq --slurpfile k "$kist_bundle/config.json" '.linux.seccomp = $k[0].linux.seccomp' \
  "$work/bundle/config.json" > "$work/bundle-seccomp/config.json"
# And the bundle kist itself gives runc: kist's whole config.json (docker's defaults: capabilities, masked paths,
# /dev/shm, mqueue, the cgroup mount, device rules, seccomp) over the same rootfs, with copies of its /etc files.
cp -r "$work/bundle" "$work/bundle-kist"
for f in hostname hosts resolv.conf; do cp "$kist_bundle/$f" "$work/bundle-kist/$f"; done
jq --arg dir "$work/bundle-kist" '.process.args = ["true"] | .root.path = "rootfs"
  | (.mounts[] | select(.destination | startswith("/etc/")) | .source) |= ($dir + "/" + (split("/") | last))' \
  "$kist_bundle/config.json" > "$work/bundle-kist/config.json"
"$kist" --root "$root" rm -f "$cid" >/dev/null

# Warm everything once (image unpacked into its snapshot, docker's layer, page cache).
"$kist" --root "$root" run --rm --network none "$image" true
docker run --rm --network none "$image" true

echo "bench: where a kist run spends its time (one run, KIST_TIMINGS=1; ms since the previous mark, the first since exec):"
start=$(date +%s%6N)
KIST_TIMINGS=1 "$kist" --root "$root" run --rm --network none "$image" true 2>&1 \
  | awk -v start="$start" '$1 == "kist-timing" { printf "  %-18s %6.1f ms\n", $2, ($6 - start) / 1000; start = $6 }'

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/results.json" \
  -n kist "$kist --root $root run --rm --network none $image true" \
  -n runc "runc --root $work/runc run --bundle $work/bundle kist-bench-runc" \
  -n runc-seccomp "runc --root $work/runc run --bundle $work/bundle-seccomp kist-bench-runc" \
  -n runc-kist-config "runc --root $work/runc run --bundle $work/bundle-kist kist-bench-runc" \
  -n docker "docker run --rm --network none $image true"

jq -r '
  (.results | map({(.command): .mean}) | add) as $m
  | "kist/runc   = \(($m.kist / $m.runc * 100 | round) / 100)  (target <= 1.3)",
    "kist/docker = \(($m.kist / $m.docker * 100 | round) / 100)  (target <= 0.3)",
    "kist/runc with the same seccomp filter = \(($m.kist / $m["runc-seccomp"] * 100 | round) / 100)",
    "kist/runc of the bundle kist prepares (its whole config.json) = \(($m.kist / $m["runc-kist-config"] * 100 | round) / 100)"' "$work/results.json"

# The same three starts once more in alternation (hyperfine runs each command's runs in one block, so a drift of
# this VM during the run weighs on one command more than another).
echo "bench: kist, runc and runc of kist's bundle in alternation ($runs runs each):"
python3 bench/alternate.py "$runs" \
  "kist=$kist --root $root run --rm --network none $image true" \
  "runc=runc --root $work/runc run --bundle $work/bundle kist-bench-runc" \
  "runc-kist-config=runc --root $work/runc run --bundle $work/bundle-kist kist-bench-runc" | sed 's/^/  /'

# The same command with each tool's default network (docker0 for docker, kist0 through the CNI plugins for kist).
echo "bench: kist and docker with their default network, the bridge ($runs runs each):"
python3 bench/alternate.py "$runs" \
  "kist=$kist --root $root run --rm $image true" \
  "docker=docker run --rm $image true" | sed 's/^/  /'
