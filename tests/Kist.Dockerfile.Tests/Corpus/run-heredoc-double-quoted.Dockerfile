FROM alpine
RUN <<"EOF"
echo $X
EOF
