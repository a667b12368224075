#!/usr/bin/env bash
# Layer benchmarks, Kist against the peer tools in the same run (ratios, not bare times):
#   1. applying a ~200 MB gzip layer     vs  tar -xzf           (target: ratio <= 1.2)
#   2. creating+compressing 10,000 files (40 MB)  vs  tar -c | pigz  (target: ratio <= 1.0)
# Needs: dotnet, hyperfine, pigz, python3. Data goes to ${BENCH_DIR:-/tmp/kist-bench-layers} (not the repo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${BENCH_DIR:-/tmp/kist-bench-layers}"
runs="${RUNS:-5}"
mkdir -p "$work"

dotnet publish "$here/KistLayersBench" -c Release -o "$work/bin" --nologo -v q >/dev/null
kist="$work/bin/KistLayersBench"

if [ ! -f "$work/big.tar.gz" ]; then
  echo "generating the 200 MB layer..." >&2
  rm -rf "$work/big" && mkdir -p "$work/big"
  python3 - "$work/big" <<'PY'
import os, sys, random, base64
root = sys.argv[1]; r = random.Random(1)
for d in range(40):
    dd = os.path.join(root, f"dir{d:02}"); os.makedirs(dd)
    for f in range(20):   # 800 files of 320 KiB: base64 of random bytes (compresses ~0.76)
        with open(os.path.join(dd, f"big{f:02}.b64"), "wb") as fh: fh.write(base64.b64encode(r.randbytes(240*1024)))
    for f in range(125):  # 5000 small text files
        with open(os.path.join(dd, f"small{f:03}.txt"), "w") as fh: fh.write(("line %d of %d\n" % (f, d)) * r.randint(1, 200))
PY
  tar -C "$work/big" -cf - . | gzip -6 > "$work/big.tar.gz"
  rm -rf "$work/big"
fi
if [ ! -d "$work/small" ]; then
  echo "generating 10,000 files (40 MB)..." >&2
  python3 - "$work/small" <<'PY'
import os, sys, random
root = sys.argv[1]; r = random.Random(2)
words = [w.strip() for w in open("/usr/share/dict/words")] if os.path.exists("/usr/share/dict/words") else ["alpha","beta","gamma","delta","layer","kist","image","tar","gzip","zstd"]
for d in range(100):
    dd = os.path.join(root, f"d{d:03}"); os.makedirs(dd)
    for f in range(100):
        n = 4096
        text = " ".join(r.choice(words) for _ in range(n // 5)).encode()[:n - 2048] + r.randbytes(2048)
        open(os.path.join(dd, f"f{f:03}"), "wb").write(text)
PY
fi
ls -l "$work/big.tar.gz" >&2; du -sh "$work/small" >&2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (ratios are only meaningful on a quiet machine)" >&2

hyperfine --runs "$runs" --warmup 1 --export-json "$work/apply.json" \
  --prepare "rm -rf $work/out && mkdir $work/out && sync" \
  -n "tar -xzf" "tar -xzf $work/big.tar.gz -C $work/out" \
  -n "kist apply" "$kist apply $work/big.tar.gz $work/out"
hyperfine --runs "$runs" --warmup 1 --export-json "$work/create.json" \
  -n "tar -c | pigz" "tar -C $work/small -cf - . | pigz > $work/peer.tar.gz" \
  -n "kist create" "$kist create $work/small $work/kist.tar.gz"
rm -rf "$work/out"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for key, name, peer, kist, target in (("apply", "apply 200 MB gzip layer", "tar -xzf", "kist apply", 1.2), ("create", "create+gzip 10,000 files", "tar -c | pigz", "kist create", 1.0)):
    res = {r["command"]: r["mean"] for r in json.load(open(f"{w}/{key}.json"))["results"]}
    ratio = res[kist] / res[peer]
    print(f"{name}: kist {res[kist]:.3f}s, {peer} {res[peer]:.3f}s, ratio {ratio:.2f} (target <= {target}) {'OK' if ratio <= target else 'OVER'}")
PY
