import { describeError } from '../core/errors';
import type { Desired, DesiredSource } from '../sources/desired';

/** A source's desired value, its watch paths noted in `watch`; a source that throws is unavailable (never a crash). */
export async function readSource(source: DesiredSource | undefined, name: string, watch: Map<string, readonly string[]>): Promise<Desired> {
  if (!source) return { kind: 'unavailable', message: `no source named ${name}` };
  try {
    const read = await source.read();
    watch.set(`source ${name}`, read.watch ?? []);
    return read;
  } catch (error) {
    return { kind: 'unavailable', message: describeError(error) };
  }
}
