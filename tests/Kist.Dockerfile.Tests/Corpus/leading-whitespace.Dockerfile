   FROM alpine
	  RUN echo indented
