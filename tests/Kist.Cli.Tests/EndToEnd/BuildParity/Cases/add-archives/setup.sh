set -e
mkdir -p src/dir/empty src/dir/sub
echo one > src/one.txt
echo nested > src/dir/sub/nested.txt
chmod 600 src/one.txt
ln -s one.txt src/link
tar -C src -cf app.tar .
gzip -c app.tar > app.tar.gz
bzip2 -c app.tar > app.tar.bz2
xz -c app.tar > app.tar.xz
tar -C src --owner=1000 --group=50 --numeric-owner -cf owned.tar one.txt dir
rm -rf src
