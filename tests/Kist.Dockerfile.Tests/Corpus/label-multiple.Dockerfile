FROM alpine
LABEL a=1 b="two words" c=three\ words
