FROM alpine
RUN ["sh", "-c", "cat <<EOF"]
