FROM alpine
COPY --frm=build /a /b
