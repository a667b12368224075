FROM alpine
COPY <<a.txt <<b.txt /dest/
A
a.txt
B
b.txt
