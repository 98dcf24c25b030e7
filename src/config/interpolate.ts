// `${NAME}` and `${NAME:-default}` in string values, so secrets stay out of the file.
// Applied to scalar strings only, after YAML parsing, so an env value can never change structure.

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: string, env: NodeJS.ProcessEnv, missing: (name: string) => void): string {
  return value.replace(PATTERN, (_all, name: string, def: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (def !== undefined) return def;
    missing(name);
    return '';
  });
}
