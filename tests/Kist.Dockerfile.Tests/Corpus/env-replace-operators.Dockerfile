FROM alpine
ENV V=a-b-c
ENV A=${V/-/_} B=${V//-/_}
