// `data:<mime>[;params];base64,<data>` image URLs, the only inline form the
// OpenAI API sends.
const BASE64_DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/** The media type and base64 payload of a data: URL, or undefined for any other URL. */
export function parseBase64DataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = BASE64_DATA_URL.exec(url);
  return match ? { mimeType: match[1]!, data: match[2]! } : undefined;
}
