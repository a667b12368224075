FROM php:8.3-apache
RUN docker-php-ext-install pdo pdo_mysql
COPY --chown=www-data:www-data . /var/www/html/
RUN a2enmod rewrite
HEALTHCHECK --interval=30s --timeout=5s CMD curl -f http://localhost/ || exit 1
