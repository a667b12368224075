from alpine as base
run true
