set -e
echo plain > plain.txt
echo "just gzip, no tar" | gzip -c > notatar.gz
mkdir -p dir/d; echo in > dir/d/in.txt
mkdir t; echo t > t/t.txt; tar -C t -cf data.tar.txt .; rm -rf t
