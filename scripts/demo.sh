#!/usr/bin/env bash
# Kist's main job end to end on a fresh Debian 12 machine with no internet: installs what is missing,
# builds Kist, makes a base image from the machine's busybox-static, and walks the image lifecycle
# with docker and skopeo on the other side. Run as root: sudo bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
kist="$PWD/out/kist"
work=$(mktemp -d /tmp/kist-demo.XXXXXX)
export KIST_ROOT="$work/root"
registry_pid=""
cleanup() {
  "$kist" rm -f kist-demo-c >/dev/null 2>&1 || true
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  docker rmi -f kist-demo/busybox:1 kist-demo/from-docker:1 "${pushed:-none}" "${app:-none}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "A base image from busybox-static"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/"
for applet in sh echo cat ls; do ln -s busybox "$work/rootfs/bin/$applet"; done
tar -C "$work/rootfs" -czf "$work/busybox.tar.gz" .
run "$kist" import --change 'CMD ["sh"]' --change 'ENV GREETING=hello' "$work/busybox.tar.gz" kist-demo/busybox:1
run "$kist" tag kist-demo/busybox:1 kist-demo/busybox:latest
run "$kist" images
run "$kist" inspect --format '{{.Id}} {{.Config.Cmd}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}' kist-demo/busybox
run "$kist" history kist-demo/busybox:1

step "The store is an OCI image layout: skopeo reads it directly"
run skopeo inspect --format '{{.Digest}} {{.Layers}}' "oci:$KIST_ROOT:docker.io/kist-demo/busybox:1"

step "kist save -> docker load -> docker run"
run "$kist" save -o "$work/busybox.tar" kist-demo/busybox:1
run docker load -i "$work/busybox.tar"
run docker run --rm kist-demo/busybox:1 sh -c 'echo "$GREETING from a Kist image run by docker"'

step "docker build + docker save -> kist load: the same image ID"
mkdir -p "$work/context"
printf 'FROM kist-demo/busybox:1\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n' > "$work/context/Dockerfile"
run docker build -q -t kist-demo/from-docker:1 "$work/context"
run docker save -o "$work/from-docker.tar" kist-demo/from-docker:1
run "$kist" load -i "$work/from-docker.tar"
echo "docker: $(docker inspect -f '{{.Id}}' kist-demo/from-docker:1)"
echo "kist:   $("$kist" inspect -f '{{.Id}}' kist-demo/from-docker:1)"

step "Dockerfile checks"
run "$kist" build --check "$work/context" || true

step "Containers: kist run, exec, diff, commit"
run "$kist" run --rm --network none kist-demo/busybox:1 sh -c 'echo "$GREETING from a Kist container"'
run "$kist" run -d --network none --name kist-demo-c kist-demo/busybox:1 sh -c 'echo started; sleep 60'
run "$kist" ps
run "$kist" exec kist-demo-c sh -c 'echo changed > /changed.txt'
run "$kist" diff kist-demo-c
run "$kist" commit -m "a change" kist-demo-c kist-demo/committed:1
run "$kist" run --rm --network none kist-demo/committed:1 cat /changed.txt
run "$kist" logs kist-demo-c
run "$kist" rm -f kist-demo-c

step "kist registry serve, then kist push / docker pull / kist pull"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$kist" registry serve --addr "127.0.0.1:$port" --storage "$work/registry" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
pushed="127.0.0.1:$port/demo/busybox:1"
run "$kist" tag kist-demo/busybox:1 "$pushed"
run "$kist" push "$pushed"
run docker pull "$pushed"
run "$kist" rmi "$pushed"
run "$kist" pull "$pushed"

step "kist build: an example application image, pushed, removed, pulled and run"
mkdir -p "$work/app"
cat > "$work/app/Dockerfile" <<'DOCKERFILE'
FROM kist-demo/busybox:1
ENV APP_HOME=/app
WORKDIR $APP_HOME
COPY app.sh config.txt ./
RUN chmod +x app.sh && echo "built by kist" > built.txt
EXPOSE 8080
CMD ["./app.sh"]
DOCKERFILE
printf '#!/bin/sh\necho "$GREETING from the app: $(cat config.txt), $(cat built.txt)"\n' > "$work/app/app.sh"
echo "config v1" > "$work/app/config.txt"
app="127.0.0.1:$port/demo/app:1"
run "$kist" build --progress plain -t "$app" "$work/app"
echo "A rebuild with nothing changed runs no step:"
run "$kist" build --progress plain -t "$app" "$work/app"
run "$kist" history "$app"
run "$kist" push "$app"
run "$kist" rmi "$app"
run "$kist" pull "$app"
run "$kist" run --rm --network none "$app"
run docker pull "$app"
run docker run --rm "$app"

step "Removing, pruning, checking"
run "$kist" rmi kist-demo/busybox:latest
run "$kist" images
run "$kist" system df
run "$kist" rmi kist-demo/from-docker:1 kist-demo/committed:1
run "$kist" image prune -f
run "$kist" system check
