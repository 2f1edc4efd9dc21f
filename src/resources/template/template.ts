import { dirname } from 'node:path';
import type { Liquid } from 'liquidjs';
import { bytesToText, utf8ToByteString } from '../../core/bytes';
import { describeError } from '../../core/errors';
import { fileErrorCode, hostPath, NOT_REGULAR, TOO_LARGE, UNSAFE_PATH, type FileSystem } from '../../host/file-system';
import { readSettled } from '../../files/read-settled';
import { isContainerSet } from '../../sources/container-set';
import type { DesiredValue } from '../../sources/desired';
import type { TemplateSpec } from '../../config/kind-specs';
import { afterChangeContainers, afterChangeSteps } from '../after-change';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { createEngine, TEMPLATE_LIMITS } from './liquid-engine';
import { mountPoints } from './mountinfo';
import { planTemplate, type TemplateSettings, type TemplateState } from './plan-template';
import { contextKey } from './template-context';

/** Where the agent's own mounts are listed (a single-file bind mount into the agent's container shows here). */
const MOUNTINFO = '/proc/self/mountinfo';

/**
 * A file (or a marked block of one) rendered from a Liquid template over the containers of a
 * `Containers` source: render, write (atomically, or in place on a single-file bind mount),
 * check, reload only when the bytes changed. Containers whose values the check refuses are
 * remembered (by their context: a change of the container tries it again; so does a change of
 * the template) and left out of later renders.
 */
export class Template implements Resource<TemplateState> {
  readonly kind = 'Template';
  readonly name: string;
  readonly source: string;
  private readonly settings: TemplateSettings;
  /** Containers the check refused, by context key, for the template text they were refused with. */
  private refused = new Map<string, { name: string; why: string }>();
  private refusedFor: string | null = null;
  private lastTemplate: string | null = null;

  constructor(
    private readonly spec: TemplateSpec,
    private readonly files: FileSystem,
    engine: Liquid = createEngine(),
  ) {
    this.name = spec.name;
    this.source = spec.source;
    const block = spec.block ? { block: { begin: utf8ToByteString(spec.block.begin), end: utf8ToByteString(spec.block.end) } } : {};
    this.settings = { templatePath: spec.template, path: hostPath(spec.path), mode: spec.mode, after: afterChangeSteps(spec.afterChange), engine, ...block };
  }

  containers(): string[] {
    return afterChangeContainers(this.spec.afterChange);
  }

  /** Watches the template and the target's directory. */
  async observe(): Promise<Observation<TemplateState>> {
    const watch = [this.spec.template, dirname(this.spec.path)];
    const template = await this.readTemplate();
    const target = await this.readTarget();
    const inPlace = this.spec.inPlace ?? (await this.isMountPoint());
    const value = 'text' in target ? `${target.text.length} bytes` : null;
    const summary = 'refused' in target ? target.refused : target.exists ? `${this.spec.path}: ${target.text.length} bytes${inPlace ? ' (written in place)' : ''}` : `${this.spec.path} does not exist`;
    return { state: { template, target, inPlace }, watch, value, summary };
  }

  plan(desired: DesiredValue | null, state: TemplateState, options: PlanOptions): Plan {
    if (!isContainerSet(desired)) return { changes: [], commands: [], problem: `source ${this.source} does not give containers` };
    // A changed template may fix what the check refused: try every container again.
    const text = state.template.ok ? state.template.text : null;
    this.lastTemplate = text;
    if (text !== this.refusedFor) this.refused = new Map();
    const present = new Set(desired.containers.map(contextKey));
    for (const key of [...this.refused.keys()]) if (!present.has(key)) this.refused.delete(key);
    return planTemplate(desired, state, this.settings, this.refused, options);
  }

  partsRefused(parts: readonly { id: string; name: string }[], why: string): void {
    if (this.refusedFor !== this.lastTemplate) this.refused = new Map();
    this.refusedFor = this.lastTemplate;
    for (const p of parts) this.refused.set(p.id, { name: p.name, why });
  }

  /**
   * The template once it holds still (readSettled): an editor or `install` that truncates and
   * then writes leaves an empty or half-written file for a moment, and rendering that would empty
   * the live file (and keep it empty if the finished template fails).
   */
  private async readTemplate(): Promise<TemplateState['template']> {
    try {
      const read = await readSettled(this.files, this.spec.template, { maxBytes: TEMPLATE_LIMITS.templateBytes });
      return read.ok ? { ok: true, text: read.bytes.toString('utf8') } : { ok: false, message: read.why };
    } catch (error) {
      return { ok: false, message: describeError(error) };
    }
  }

  private async readTarget(): Promise<TemplateState['target']> {
    try {
      // A block's file may be larger than what is rendered into it; both are bounded.
      const bytes = await this.files.readFile(this.spec.path, { maxBytes: TEMPLATE_LIMITS.outputBytes + 1024 * 1024 });
      return bytes === null ? { exists: false } : { exists: true, text: bytesToText(bytes) };
    } catch (error) {
      const code = fileErrorCode(error);
      if (code !== UNSAFE_PATH && code !== NOT_REGULAR && code !== TOO_LARGE) throw error;
      return { refused: describeError(error), unsafe: code === UNSAFE_PATH };
    }
  }

  private async isMountPoint(): Promise<boolean> {
    const info = await this.files.readFile(MOUNTINFO, { maxBytes: 4 * 1024 * 1024 }).catch(() => null);
    if (info === null) return false;
    const points = mountPoints(info.toString('utf8'));
    const real = await this.files.realPath(this.spec.path).catch(() => null);
    return points.has(this.spec.path) || (real !== null && points.has(real));
  }
}
