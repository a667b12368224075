set -e
mkdir -p ctx/private ctx/sticky
echo s > ctx/setuid; chmod 4755 ctx/setuid
echo g > ctx/setgid; chmod 2755 ctx/setgid
echo x > ctx/exec; chmod 0755 ctx/exec
echo r > ctx/readonly; chmod 0444 ctx/readonly
echo p > ctx/private/secret; chmod 0600 ctx/private/secret
chmod 0700 ctx/private
chmod 1777 ctx/sticky
