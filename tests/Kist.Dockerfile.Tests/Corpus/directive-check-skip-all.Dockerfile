# check=skip=all
FROM alpine as x
CMD echo hi
