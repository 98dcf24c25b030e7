// Config golden files: valid files → the exact normalized output of `print-config`; invalid files
// → the exact line-numbered messages of `check`; the committed JSON Schema is what `schema` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROXY_MAIN, REPO_ROOT } from '../helpers/process.js';

const GOLDEN = 'test/golden/config';
const files = readdirSync(path.join(REPO_ROOT, GOLDEN)).filter((f) => f.endsWith('.yaml') && !f.endsWith('.expected.yaml'));

function run(args: string[]) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FRONTDOOR_')) delete env[k];
  return spawnSync(process.execPath, [PROXY_MAIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 20_000 });
}

for (const file of files) {
  const rel = `${GOLDEN}/${file}`;
  if (file.startsWith('valid-')) {
    test(`print-config ${file}`, () => {
      const r = run(['print-config', '--config', rel]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(path.join(REPO_ROOT, rel.replace(/\.yaml$/, '.expected.yaml')), 'utf8'));
      assert.equal(run(['check', '--config', rel]).status, 0);
    });
  } else {
    test(`check ${file}`, () => {
      const r = run(['check', '--config', rel]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, readFileSync(path.join(REPO_ROOT, rel.replace(/\.yaml$/, '.expected.txt')), 'utf8'));
      // Serving the same file refuses to start, with exit code 2.
      assert.equal(run(['--config', rel]).status, 2);
    });
  }
}

test('config/frontdoor.schema.json is the generated JSON Schema', () => {
  const r = run(['schema']);
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(path.join(REPO_ROOT, 'config/frontdoor.schema.json'), 'utf8')));
});

test('print-config redacts header and env values unless --show-secrets', () => {
  const rel = `${GOLDEN}/valid-full.yaml`;
  assert.ok(!run(['print-config', '--config', rel]).stdout.includes('s3cret'));
  assert.ok(run(['print-config', '--config', rel, '--show-secrets']).stdout.includes('x-api-key: s3cret'));
});
