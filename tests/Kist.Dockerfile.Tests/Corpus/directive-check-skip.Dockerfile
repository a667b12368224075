# check=skip=JSONArgsRecommended,MaintainerDeprecated
FROM alpine
MAINTAINER x
CMD echo hi
WORKDIR rel
