FROM alpine
RUN --mount=type=ssh git clone git@github.com:org/repo.git
