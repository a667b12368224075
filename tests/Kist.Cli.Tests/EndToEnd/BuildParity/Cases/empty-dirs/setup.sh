set -e
mkdir -p ctx/empty ctx/nested/empty-too ctx/full
echo f > ctx/full/f.txt
