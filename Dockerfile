# adit container image.
#   docker build -t adit .
#   docker build --build-arg BASE_IMAGE=node:22-bookworm-slim -t adit .
# The base must provide node and npm (the official Node images do).
ARG BASE_IMAGE=node:22-bookworm-slim

# --- build: production dependencies, and the compiler beside them ----------
FROM ${BASE_IMAGE} AS build
# Behind a TLS-intercepting proxy, pass its CA: --build-arg NODE_EXTRA_CA_CERTS=/path
# (with the file mounted into the build). Unset by default.
ARG NODE_EXTRA_CA_CERTS
WORKDIR /w/app
COPY package.json package-lock.json ./
# Production tree only (what the image ships; --omit=dev leaves empty scope
# directories of dev packages, removed after the compile). Scripts stay off: the one native
# dependency, bufferutil, ships prebuilds and ws works without it anyway.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
# Just the compiler, the bundler and the type packages they need, at the lockfile's
# versions, one directory up (/w/node_modules) so they never mix with the shipped tree.
RUN --mount=type=cache,target=/root/.npm \
    v() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; } \
 && npm install --prefix /w --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
      "typescript@$(v typescript)" "@types/node@$(v @types/node)" "@types/ws@$(v @types/ws)" "esbuild@$(v esbuild)"
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.mjs ./scripts/
# package.json's build (tsc, then the bundle); npm finds tsc, and Node esbuild, one directory up.
RUN npm run build --silent && test -f dist/bundle/adit.js \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

# --- runtime ------------------------------------------------------------------
FROM ${BASE_IMAGE}
# Re-declared: a pre-FROM ARG is not visible inside a stage.
ARG BASE_IMAGE
# Keep in step with package.json (the image test checks it).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="adit" \
      org.opencontainers.image.description="Self-hosted reverse tunnel for Kubernetes: expose services of a NAT'ed cluster in a routable one over one outbound WebSocket" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /w/app/package.json ./package.json
COPY --from=build /w/app/node_modules ./node_modules
COPY --from=build /w/app/dist/bundle ./dist/bundle
# `adit` on PATH, and `inlets` so charts written for inlets work by swapping the image.
RUN chmod 0755 dist/bundle/adit.js \
 && ln -s /app/dist/bundle/adit.js /usr/local/bin/adit \
 && ln -s adit /usr/local/bin/inlets
# Numeric, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
# control, HTTP router, server admin, client admin
EXPOSE 8123 8000 9090 9091
# No init shim: adit handles SIGTERM/SIGINT itself (as PID 1, Node has no default handler).
ENTRYPOINT ["adit"]
CMD ["--help"]
