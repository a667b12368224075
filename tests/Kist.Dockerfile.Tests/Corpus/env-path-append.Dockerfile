FROM alpine
ENV PATH=/opt/bin:$PATH
