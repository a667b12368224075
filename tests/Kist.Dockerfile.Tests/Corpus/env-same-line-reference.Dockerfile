FROM alpine
ENV abc=hello
ENV abc=bye def=$abc
ENV ghi=$abc
