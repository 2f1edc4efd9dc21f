/** Why a pass runs. Triggers decide *when* a pass runs, never *what* it does. */
export type TriggerKind = 'startup' | 'file' | 'docker' | 'docker-connected' | 'resync' | 'signal' | 'retry' | 'once' | 'firewall';

export interface Trigger {
  kind: TriggerKind;
  /** For logs and debugging only: a path, a container event, … */
  detail?: string;
  /** Retry triggers name the resources that are due; other triggers reconcile everything. */
  only?: readonly string[];
  /** Docker events: the container that became ready (started, restarted, unpaused, healthy). */
  ready?: string;
}
