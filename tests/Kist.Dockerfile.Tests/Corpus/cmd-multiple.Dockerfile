FROM alpine
CMD ["a"]
CMD ["b"]
CMD ["c"]
