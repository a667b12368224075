FROM alpine
LABEL vendor=ACME\ Inc \
      version="1.0" \
      description="This text illustrates \
that label-values can span multiple lines."
