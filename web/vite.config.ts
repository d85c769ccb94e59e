import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// `npm run dev -w web` proxies the API and the live stream to a running stack (npm start).
// Settings (environment):
//   API_URL   where the stack's HAProxy answers (default: http://127.0.0.1:8080)
const target = process.env.API_URL ?? 'http://127.0.0.1:8080';
const api = ['/user', '/login', '/logout', '/friend', '/post', '/cluster', '/health'];

export default defineConfig({
  plugins: [preact()],
  build: { target: 'es2022', sourcemap: true },
  server: {
    proxy: Object.fromEntries(
      api.map((p) => [
        p,
        {
          target,
          ws: p === '/post',
          // A page load of a client route (/login, /people…) is the app's, not the API's.
          bypass: (req) => ((req.headers.accept ?? '').includes('text/html') ? '/index.html' : undefined),
        },
      ]),
    ),
  },
});
