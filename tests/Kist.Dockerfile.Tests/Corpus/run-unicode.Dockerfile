FROM alpine
RUN echo 'héllo wörld ♥ 日本語'
