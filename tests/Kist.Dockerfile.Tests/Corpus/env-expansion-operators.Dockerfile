FROM alpine
ENV SET=value EMPTY=
ENV A=${SET:-d} B=${EMPTY:-d} C=${UNSET-d} D=${EMPTY-d} E=${SET:+alt} F=${UNSET+alt}
