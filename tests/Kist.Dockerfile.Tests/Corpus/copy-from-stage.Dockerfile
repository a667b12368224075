FROM golang AS build
RUN go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
