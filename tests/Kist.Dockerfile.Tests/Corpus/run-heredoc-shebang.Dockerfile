FROM alpine
RUN <<EOT
#!/usr/bin/env sh
set -e
echo $HOME
EOT
