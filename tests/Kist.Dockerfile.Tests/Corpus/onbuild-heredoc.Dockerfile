FROM alpine
ONBUILD RUN <<EOF
echo onbuild
EOF
