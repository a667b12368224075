FROM busybox
USER ${username:-some_user}
ARG username
USER $username
