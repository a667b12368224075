FROM alpine
ADD ["a file.txt", "/dest dir/"]
