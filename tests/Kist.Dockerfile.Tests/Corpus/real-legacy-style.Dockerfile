FROM ubuntu:14.04
MAINTAINER Old School <old@example.com>
ENV DEBIAN_FRONTEND noninteractive
RUN apt-get update && apt-get install -y python python-pip
ADD . /code
WORKDIR /code
RUN pip install -r requirements.txt
EXPOSE 5000
CMD python app.py
