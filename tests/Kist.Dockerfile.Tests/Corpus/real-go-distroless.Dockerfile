FROM golang:1.22 AS builder
WORKDIR /go/src/app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /go/bin/app

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /go/bin/app /
USER nonroot:nonroot
ENTRYPOINT ["/app"]
