# escape=`
FROM mcr.microsoft.com/windows/nanoserver
ENV DIR=C:\app `
    X=1
WORKDIR C:\app
