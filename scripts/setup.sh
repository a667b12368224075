#!/usr/bin/env bash
# Installs and starts everything Kist's tests, demo and benchmarks need on a fresh Debian 12 machine
# with the .NET SDK: the peer tools (docker, the reference registry, skopeo, umoci, buildah, runc,
# CNI plugins), busybox-static and debootstrap for test images, hyperfine, and bzip2/xz (ADD of
# compressed archives decodes them with the system tools). Idempotent; run as root.
set -euo pipefail

packages=(
  docker.io docker-registry skopeo umoci buildah runc crun busybox-static containernetworking-plugins
  hyperfine debootstrap zstd pigz apache2-utils jq iproute2 iptables ca-certificates openssl tini bzip2 xz-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The docker engine, started in the background when it is not running (the Debian package's
# service is not started on machines without systemd).
if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/kist-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/kist-dockerd.log" >&2; tail -20 /var/log/kist-dockerd.log >&2; exit 1; }
fi
echo "setup: ready (docker $(docker version --format '{{.Server.Version}}'))"
