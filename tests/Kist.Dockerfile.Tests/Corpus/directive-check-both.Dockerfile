# check=skip=JSONArgsRecommended;error=true
FROM alpine as x
CMD echo hi
