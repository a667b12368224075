from alpine
run echo lower
cmd ["sh"]
