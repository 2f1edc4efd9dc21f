import { ReconcilerError } from './errors';

/** Error code of an input refused because it went past its bound. */
export const TOO_LARGE_INPUT = 'TOO_LARGE';

/**
 * An input a container or a remote peer controls went past its bound. The message names the
 * source and the limit, e.g. "output of `docker exec proxy nginx -t`: more than 1048576 bytes".
 */
export class TooLargeError extends ReconcilerError {
  constructor(
    readonly source: string,
    readonly limit: number,
    readonly unit: string,
  ) {
    super(TOO_LARGE_INPUT, `${source}: more than ${limit} ${unit}`);
  }
}

/**
 * The one accounting of bounded inputs: bytes of a stream, entries of a listing. Every stream
 * or collection a container or peer controls is counted through one of these; past the limit,
 * `take` throws (and keeps throwing) a TooLargeError naming the source and the limit.
 */
export class Budget {
  private used = 0;

  constructor(
    readonly source: string,
    readonly limit: number,
    readonly unit: string = 'bytes',
  ) {}

  /** Count `n` more; throws TooLargeError once the total passes the limit. */
  take(n = 1): void {
    this.used += n;
    if (this.used > this.limit) throw this.error();
  }

  /** What is left before the limit (never negative). */
  get left(): number {
    return Math.max(0, this.limit - this.used);
  }

  get total(): number {
    return this.used;
  }

  error(): TooLargeError {
    return new TooLargeError(this.source, this.limit, this.unit);
  }
}
