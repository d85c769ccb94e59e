# One image for core, the worker and the gateways; the compose file picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY db/package.json db/
COPY cache/package.json cache/
COPY core/package.json core/
COPY gateway/package.json gateway/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN if [ -f web/package.json ]; then npm run build -w web; fi
ENV NODE_ENV=production
CMD ["npx", "tsx", "core/src/main.ts"]
