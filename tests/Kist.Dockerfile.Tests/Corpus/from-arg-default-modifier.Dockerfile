ARG BASE=
FROM ${BASE:-debian}:bookworm
