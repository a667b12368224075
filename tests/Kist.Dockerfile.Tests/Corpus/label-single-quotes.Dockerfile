FROM alpine
LABEL 'quoted key'='value $NOT'
