FROM alpine
run echo a
Run echo b
RUN echo c
