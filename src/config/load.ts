// Reads a YAML config, interpolates env vars, validates against the schema and reports every
// problem at once as `file:line:col: message`. Imported only when a file is given:
// the YAML parser costs ~9 MB of RSS that `--backend` runs need not pay.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Config } from './schema.js';
import { ConfigError, validateConfig } from './validate.js';
import { interpolate } from './interpolate.js';

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`${file}: cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`]);
  }
  return parseConfigText(text, file, env);
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return `${file}`;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0]}`));
  }
  const issues: string[] = [];
  interpolateNode(doc.contents as YamlNode | null, env, (name, node) => {
    issues.push(`${at(node.range?.[0])}: environment variable ${name} is not set (use \${${name}:-default} for a default)`);
  });
  const raw = (doc.toJS() ?? {}) as unknown;
  return validateConfig(
    raw,
    (path, keys) => {
      const node = keys ? keyNode(doc.contents as YamlNode | null, path, keys[0]!) : nodeAt(doc.contents as YamlNode | null, path);
      return at(node?.range?.[0]);
    },
    issues,
  );
}

function interpolateNode(node: YamlNode | null, env: NodeJS.ProcessEnv, missing: (name: string, node: YamlNode) => void): void {
  if (!node) return;
  if (isScalar(node)) {
    if (typeof node.value === 'string' && node.value.includes('${')) node.value = interpolate(node.value, env, (n) => missing(n, node));
  } else if (isMap(node)) {
    for (const pair of node.items) interpolateNode(pair.value as YamlNode | null, env, missing);
  } else if (isSeq(node)) {
    for (const item of node.items) interpolateNode(item as YamlNode | null, env, missing);
  }
}

function nodeAt(root: YamlNode | null, path: PropertyKey[]): YamlNode | null {
  let node = root;
  for (const seg of path) {
    if (!node) return null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) return node;
      node = pair.value as YamlNode | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = (node.items[seg] as YamlNode | undefined) ?? node;
    } else return node;
  }
  return node;
}

function keyNode(root: YamlNode | null, path: PropertyKey[], key: string): YamlNode | null {
  const parent = nodeAt(root, path);
  if (parent && isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair) return pair.key as YamlNode;
  }
  return parent;
}
