// Formats the attack rows as one Markdown table (pure).
import type { Row } from './attack-stack.js';

export function renderTable(rows: Row[], header = 'figure'): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| attack | measured | ${header} |`, '| --- | --- | --- |', ...rows.map((r) => `| ${esc(r.attack)} | ${esc(r.measured)} | ${esc(r.figure)} |`)].join(
    '\n',
  );
}
