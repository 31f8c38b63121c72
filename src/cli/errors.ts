/** Usage and configuration errors: the CLI exits with code 2 for these, 1 for anything else. */
export class ConfigError extends Error {
  readonly code = 'ADIT_ERR_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const ExitCode = { OK: 0, RUNTIME: 1, USAGE: 2 } as const;
