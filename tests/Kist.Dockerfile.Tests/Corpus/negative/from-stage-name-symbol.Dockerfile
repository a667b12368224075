FROM alpine AS my$stage
