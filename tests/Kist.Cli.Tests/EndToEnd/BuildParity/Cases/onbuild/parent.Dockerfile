FROM kist-parity/busybox:1
RUN echo parent > /trail.txt
ONBUILD RUN echo trigger-run >> /trail.txt
ONBUILD COPY trigger.txt /from-trigger/
ONBUILD ENV TRIGGERED=yes
ONBUILD LABEL triggered.label=yes
ONBUILD WORKDIR /onbuild-workdir
