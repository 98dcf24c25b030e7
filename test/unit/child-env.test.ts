// The environment of started processes, table-driven: the SDK's default list per platform, exported
// shell functions dropped, the configured env on top, inheritEnv passing everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childEnv } from '../../src/backends/child-env.js';

const parent = { PATH: '/usr/bin', HOME: '/home/a', TERM: '() { :; }; evil', AWS_SECRET_ACCESS_KEY: 's', USERPROFILE: 'C:\\Users\\a', UNSET: undefined };

test('childEnv: default list, no shell functions, configured env wins', () => {
  assert.deepEqual(childEnv(parent, { API_KEY: 'k', PATH: '/opt/bin' }, false, 'linux'), { PATH: '/opt/bin', HOME: '/home/a', API_KEY: 'k' });
  assert.deepEqual(childEnv(parent, {}, false, 'win32'), { PATH: '/usr/bin', USERPROFILE: 'C:\\Users\\a' });
  assert.deepEqual(childEnv(parent, { X: '1' }, true, 'linux'), {
    PATH: '/usr/bin',
    HOME: '/home/a',
    TERM: '() { :; }; evil',
    AWS_SECRET_ACCESS_KEY: 's',
    USERPROFILE: 'C:\\Users\\a',
    X: '1',
  });
});
