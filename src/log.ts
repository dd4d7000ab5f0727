/**
 * Structured JSON logs carrying tenant/connection/run ids. Fields whose names look like
 * credentials are dropped here, so a careless call site still cannot leak a secret.
 */
type Fields = Record<string, unknown>;

const SECRET_FIELD = /pass(word)?|secret|token|authorization|api_?key|credential/i;

function scrub(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) continue;
    out[k] = v instanceof Error ? v.message : v;
  }
  return out;
}

function write(level: "info" | "warn" | "error", msg: string, fields: Fields) {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...scrub(fields) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (msg: string, fields: Fields = {}) => write("info", msg, fields),
  warn: (msg: string, fields: Fields = {}) => write("warn", msg, fields),
  error: (msg: string, fields: Fields = {}) => write("error", msg, fields),
};
