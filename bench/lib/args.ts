/** Scenario names accepted by `--only`, in the order they run. */
export const SCENARIOS = ['once', 'drift', 'start', 'storm', 'containers', 'idle', 'baseline'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchArgs {
  only: ScenarioName[];
  quick: boolean;
  /** Also write the results as JSON to this file. */
  out?: string;
}

export const BENCH_USAGE = `Usage: npm run bench -- [--only ${SCENARIOS.join(',')}] [--quick] [--out results.json]
  --only LIST   run only these scenarios (comma-separated)
  --quick       smoke run: fewer trials, shorter idle window (figures are not for the record)
  --out FILE    also write the results as JSON
`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let only: ScenarioName[] = [...SCENARIOS];
  let quick = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${BENCH_USAGE}`);
      return v;
    };
    switch (flag) {
      case '--only': {
        const names = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
        if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${BENCH_USAGE}`);
        only = SCENARIOS.filter((s) => names.includes(s));
        break;
      }
      case '--quick':
        quick = true;
        break;
      case '--out':
        out = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(BENCH_USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument: ${arg}\n${BENCH_USAGE}`);
    }
  }
  return { only, quick, ...(out !== undefined ? { out } : {}) };
}
