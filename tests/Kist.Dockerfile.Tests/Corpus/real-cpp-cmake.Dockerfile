FROM gcc:13 AS build
RUN apt-get update && apt-get install -y cmake
WORKDIR /src
COPY CMakeLists.txt .
COPY src/ src/
RUN cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j$(nproc)

FROM debian:bookworm-slim
COPY --from=build /src/build/app /usr/local/bin/app
ENTRYPOINT ["app"]
