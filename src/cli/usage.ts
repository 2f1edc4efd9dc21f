export const USAGE = `Usage:
  reconcile [options]                  run the controller until SIGTERM/SIGINT
  reconcile --once [--dry-run] [opts]  one pass, then exit (0 in sync, 1 not, 2 drift in a dry run)
  reconcile status [--watch] [--json]  summarise the status file (0 healthy, 1 not)
  reconcile history [--resource NAME] [--since 2h] [--json]
                                       the correction journal, newest first
  reconcile config check [--config F]  validate the configuration (0 valid, 64 with every problem)
  reconcile config print [--config F]  the effective configuration (defaults merged) as YAML
  reconcile config schema              the JSON Schema of configuration files

Options:
  --config FILE        YAML configuration merged over the defaults (Websoft9 host profile)
  --status-file FILE   status file (default: status.file of the configuration)
  --json               machine-readable output on stdout (--once, status, history)
  --log-level LEVEL    trace, debug, info, warn, error, fatal or silent (default: info)
  --metrics-addr H:P   serve /metrics, /healthz and /readyz (controller only; off by default)
  --dry-run            with --once: plan and print the diff, change nothing
  --detailed-exitcodes with --once: 0 in sync and unchanged, 2 changed, 4 not converged, 6 both
  --resource NAME      with --once: only this resource (repeatable, like Terraform's -target);
                       with history: only this resource's entries
  --since DURATION     with history: only entries this recent (e.g. 30m, 2h) or since an ISO time
  --watch              with status: redraw when the status file changes, until Ctrl-C
  --interval DURATION  with status --watch: redraw at least this often (default 2s)
  -h, --help           this text
  -V, --version        print the version
`;
