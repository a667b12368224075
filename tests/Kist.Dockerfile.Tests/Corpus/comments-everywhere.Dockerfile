# leading comment

FROM alpine
   # indented comment
RUN echo hi # not a comment in shell form

# trailing
