FROM alpine AS a
CMD ["a"]
FROM alpine
CMD ["b"]
