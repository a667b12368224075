FROM alpine
RUN --network=none echo offline
RUN --network=host echo host
RUN --network=default echo default
