FROM alpine
RUN ['echo', 'single']
