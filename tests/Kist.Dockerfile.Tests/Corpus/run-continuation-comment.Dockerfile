FROM alpine
RUN echo a \
# a comment inside
    && echo b
