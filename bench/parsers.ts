/**
 * The parsers on huge and hostile input: the inputs of the unit tests that only bound a blow-up
 * (tens of seconds), timed here. Pure CPU, no Docker:
 * `node --require ts-node/register bench/parsers.ts [runs]` (default 5; median and max per input).
 * Results in docs/benchmarks.md ("Parsers on huge and hostile input").
 */
import { parseDuration } from '../src/core/duration';
import { parseIni } from '../src/files/parse-ini';
import { parseUnitFile } from '../src/resources/systemd-socket-port/unit-file';

const runs = Math.max(1, Number(process.argv[2] ?? 5) || 5);

function sectionsIni(): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 5 * 1024 * 1024; i++) {
    const part = `[section${i}]\nport = ${i % 65535}\nname = value number ${i}\n  continued ${i}\n\n`;
    parts.push(part);
    size += part.length;
  }
  return `${parts.join('')}[cockpit]\nport = 9000\n`;
}

const inputs: [string, () => unknown][] = [];
const ini = sectionsIni();
inputs.push(['parseIni: 5 MB of sections', () => parseIni(ini)]);
const hostile: [string, string][] = [
  ['5 MB line of spaces between two letters', `a${' '.repeat(5 * 1024 * 1024)}b`],
  ['5 MB line of spaces then a delimiter', `a${' '.repeat(5 * 1024 * 1024)}=b`],
  ['5 MB line of tabs and spaces', `${'k \t'.repeat(1024 * 1024)}`],
  ['5 MB line of [', '['.repeat(5 * 1024 * 1024)],
  ['5 MB line of ]', ']'.repeat(5 * 1024 * 1024)],
  ['5 MB line of =', '='.repeat(5 * 1024 * 1024)],
  ['5 MB of [x', '[x'.repeat(2.5 * 1024 * 1024)],
  ['1M short lines without delimiter', 'x\n'.repeat(1024 * 1024)],
  ['1M continuation lines', `k = v\n${' c\n'.repeat(1024 * 1024)}`],
];
for (const [name, body] of hostile) {
  const text = `[cockpit]\n${body}\n`;
  inputs.push([`parseIni: ${name}`, () => parseIni(text)]);
}
const unit = `[Socket]\n${'X-Junk=aaaaaaaaaaaaaaaa\n'.repeat(200_000)}${'\\\n'.repeat(100_000)}ListenStream=9000\n`;
inputs.push(['parseUnitFile: 200k assignments and 100k continuation lines', () => parseUnitFile(unit)]);
const durations = [`${'1'.repeat(100_000)}x`, `1${' '.repeat(100_000)}x`, `1.${'1'.repeat(100_000)}.s`];
inputs.push(['parseDuration: three 100 kB hostile strings', () => durations.map(parseDuration)]);

for (const [name, run] of inputs) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`${name}: median ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(1)} ms (${runs} runs)`);
}
