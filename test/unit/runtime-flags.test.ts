// npm start, the Docker image, the tests and the bench run the proxy with the same V8 flags, so the
// memory the bench reports is the memory users get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROXY_NODE_FLAGS, REPO_ROOT } from '../helpers/process.js';

test('package.json start and the Dockerfile use PROXY_NODE_FLAGS', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, `node ${PROXY_NODE_FLAGS.join(' ')} dist/src/main.js --config config/frontdoor.yaml`);
  const docker = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  assert.ok(docker.includes(`ENTRYPOINT ["node", ${PROXY_NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "dist/src/main.js"]`));
});
