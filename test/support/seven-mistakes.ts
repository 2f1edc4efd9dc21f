/**
 * A configuration file with seven mistakes of the kinds a user makes (a misspelled resource
 * name, a misspelled key, a YAML 1.1 boolean, a value out of its set, a source that does not
 * exist, a rule across keys), and the key each one must be reported under, in the file's words.
 */
export const SEVEN_MISTAKES = `timing:
  debounce: 2s
  maxDebounce: 1s
  resyncIntervl: 30s
resources:
  cockpit-sockett:
    mode: inplace
  cockpit-firewalld:
    enabled: no
  proxy-cockpit-port:
    sourse: apphub
  cockpit-socket:
    mode: dropn
    source: aphub
`;

export const SEVEN_KEYS = [
  'timing.maxDebounce',
  'timing.resyncIntervl',
  'resources.cockpit-sockett',
  'resources.cockpit-firewalld.enabled',
  'resources.proxy-cockpit-port.sourse',
  'resources.cockpit-socket.mode',
  'resources.cockpit-socket.source',
];
