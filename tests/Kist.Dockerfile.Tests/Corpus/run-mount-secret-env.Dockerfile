FROM alpine
RUN --mount=type=secret,id=token,env=TOKEN,required echo ok
