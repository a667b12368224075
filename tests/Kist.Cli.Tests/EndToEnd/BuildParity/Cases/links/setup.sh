set -e
mkdir -p ctx/dir
echo real > ctx/real.txt
ln -s real.txt ctx/link.txt
ln -s dir ctx/dirlink
ln -s ../outside ctx/escaping
ln ctx/real.txt ctx/hard.txt
echo in > ctx/dir/in.txt
