FROM alpine
ARG A
ARG B=b
ARG C="c c" D
ARG E=${B}e
