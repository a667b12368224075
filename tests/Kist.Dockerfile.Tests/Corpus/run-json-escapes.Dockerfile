FROM alpine
RUN ["echo", "a\tb", "\u00e9", "\"q\""]
