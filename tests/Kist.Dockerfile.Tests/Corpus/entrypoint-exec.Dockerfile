FROM alpine
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["postgres"]
