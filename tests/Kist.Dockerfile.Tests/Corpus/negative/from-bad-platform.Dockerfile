FROM --platform=linux/ alpine
