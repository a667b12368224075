FROM alpine
ENV FILE=archive.tar.gz
ENV A=${FILE%.*} B=${FILE%%.*} C=${FILE#*.} D=${FILE##*.}
