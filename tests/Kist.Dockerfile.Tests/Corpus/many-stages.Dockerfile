FROM alpine AS s0
RUN echo 0
FROM alpine AS s1
RUN echo 1
FROM alpine AS s2
RUN echo 2
FROM alpine AS s3
RUN echo 3
FROM alpine AS s4
RUN echo 4
FROM alpine AS s5
RUN echo 5
FROM alpine AS s6
RUN echo 6
FROM alpine AS s7
RUN echo 7
FROM alpine AS s8
RUN echo 8
FROM alpine AS s9
RUN echo 9
FROM alpine AS s10
RUN echo 10
FROM alpine AS s11
RUN echo 11
FROM scratch
COPY --from=s0 /x /x0
COPY --from=s1 /x /x1
COPY --from=s2 /x /x2
COPY --from=s3 /x /x3
COPY --from=s4 /x /x4
COPY --from=s5 /x /x5
COPY --from=s6 /x /x6
COPY --from=s7 /x /x7
COPY --from=s8 /x /x8
COPY --from=s9 /x /x9
COPY --from=s10 /x /x10
COPY --from=s11 /x /x11
