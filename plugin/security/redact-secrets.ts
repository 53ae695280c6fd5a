// Providers echo credentials back in their error text ("Incorrect API key
// provided: sk-proj-****abcd", a signed URL with `?key=`), sometimes whole.
// Every text that comes from a provider passes through a redactor before it
// reaches a client, a trace or a log: the exact values the data plane holds,
// recognisable fragments of them, and anything shaped like a credential.

export type Redactor = (text: string) => string;

const MARK = '[REDACTED]';
/** Shorter values are too likely to occur by chance in ordinary text. */
const MIN_SECRET_LENGTH = 8;
/** A fragment of a held secret this long (its head or its tail) is still a leak. */
const FRAGMENT = 6;

// Shapes of credentials, whoever they belong to.
const SHAPES: Array<[RegExp, string]> = [
  [/\bBearer\s+[A-Za-z0-9._~+/=*-]{6,}/gi, `Bearer ${MARK}`],
  [/\b(?:sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g, MARK], // OpenAI, Anthropic (sk-ant-...), masked or not
  [/\bAIza[0-9A-Za-z_-]{16,}/g, MARK], // Google API keys
  [/\b(?:AKIA|ASIA)[0-9A-Z]{12,}\b/g, MARK], // AWS access key ids
  [/\beyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+/g, MARK], // JWTs (the data-plane token)
  [/([?&;\s"'](?:api[_-]?key|key|access_token|token|secret|signature|x-amz-security-token|x-amz-signature)=)[^&\s"'<>]+/gi, `$1${MARK}`],
  [/((?:api[_-]?key|x-api-key|authorization|secret(?:[_-]?access)?[_-]?key|session[_-]?token)["']?\s*[:=]\s*["']?)[^\s"',;}]{6,}/gi, `$1${MARK}`],
  [/[A-Za-z0-9_-]{0,12}\*{4,}[A-Za-z0-9_-]{0,12}/g, MARK], // masked keys: the visible ends are still ours
];

// Runs of characters a credential is made of; a run holding a held secret, or its head or tail, goes whole.
const RUN = /[A-Za-z0-9_*.+/=~-]{6,}/g;

/** A redactor for the credential values the data plane holds (plus every credential shape). Linear in the text. */
export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const values = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))];
  const needles = values.flatMap((v) => (v.length >= 2 * FRAGMENT ? [v, v.slice(0, FRAGMENT), v.slice(-FRAGMENT)] : [v]));
  const holdsSecret = (run: string): boolean => needles.some((n) => run.includes(n));
  return (text) => {
    if (!text) return text;
    let out = needles.length > 0 ? text.replace(RUN, (run) => (holdsSecret(run) ? MARK : run)) : text;
    for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
    return out;
  };
}
