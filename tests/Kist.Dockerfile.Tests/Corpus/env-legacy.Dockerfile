FROM alpine
ENV PATH /usr/local/bin:$PATH
