# mcp-frontdoor container image. The install mirrors CI exactly: `npm ci` (which builds through
# `prepare`), then the dev dependencies are dropped from the runtime image.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY config ./config
RUN npm ci --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY config ./config
USER node
EXPOSE 8080
# In a container the proxy must bind all interfaces; the Host check then applies only to the
# names given with --allowed-host, and browsers' Origins must be listed (README, "Security model").
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/src/main.js"]
CMD ["--config", "config/frontdoor.yaml", "--host", "0.0.0.0", "--port", "8080"]
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
