FROM alpine AS a
ENV A=1
FROM a AS b
ENV B=$A
FROM b
RUN echo $A $B
