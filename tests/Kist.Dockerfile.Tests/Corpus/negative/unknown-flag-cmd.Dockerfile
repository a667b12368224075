FROM alpine
CMD --doit ["a"]
