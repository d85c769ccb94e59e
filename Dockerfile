# Images for docker-compose.yml. `app`: core, the worker and the Node gateway (the compose file
# picks the entry point). `gateway-deno`: the same code tree on Deno's official image.
FROM node:20-bookworm-slim AS app
WORKDIR /app
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY client/package.json client/
COPY db/package.json db/
COPY cache/package.json cache/
COPY broker/package.json broker/
COPY core/package.json core/
COPY gateway/package.json gateway/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN if [ -f web/package.json ]; then npm run build -w web; fi
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "core/src/main.ts"]

# The gateway's dependencies are the npm packages installed above: Deno reads them from node_modules.
FROM denoland/deno:2.9.6 AS gateway-deno
WORKDIR /app
COPY --from=app /app /app
ENV NODE_ENV=production
CMD ["deno", "run", "--v8-flags=--heap-growing-percent=30", "--no-prompt", "--allow-net", "--allow-env", "--allow-sys", "--allow-read", "gateway/src/main.ts"]

# A plain `docker build .` builds the Node image.
FROM app
