import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { haproxyEnv, renderConfig } from './render.ts';

describe('the HAProxy configuration', () => {
  it('passes haproxy -c with the local topology', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'haproxy-check-'));
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(
      file,
      renderConfig({
        core: [{ name: 'core1', address: '127.0.0.1:3000' }],
        gateways: [1, 2, 3].map((i) => ({ name: `gw${i}`, address: `127.0.0.1:${4000 + i}` })),
      }),
    );
    const check = spawnSync('haproxy', ['-c', '-f', file], {
      env: { ...process.env, ...haproxyEnv({ bind: '127.0.0.1:8080', statsBind: '127.0.0.1:8404', socket: path.join(dir, 's.sock') }) },
      encoding: 'utf8',
    });
    expect(check.stdout + check.stderr).toContain('Configuration file is valid');
    expect(check.status).toBe(0);
  });

  it('routes the stream to gateways by leastconn and never compresses, buffers or delays it', () => {
    const text = renderConfig({ core: [{ name: 'c', address: 'x:1' }], gateways: [{ name: 'g', address: 'y:2' }] });
    const gateways = text.slice(text.indexOf('backend gateways'), text.indexOf('listen stats'));
    expect(gateways).toContain('balance leastconn');
    expect(gateways).toContain('option httpchk GET /health');
    // Without it the kernel holds each SSE event ~200 ms (MSG_MORE on an unfinished response).
    expect(gateways).toMatch(/^\s*option http-no-delay/m);
    expect(text).not.toMatch(/^\s*compression/m);
    expect(text).not.toMatch(/^\s*option http-buffer-request/m);
    expect(text).toMatch(/timeout tunnel/);
  });
});
