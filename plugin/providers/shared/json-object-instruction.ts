/**
 * Added to the system prompt for response_format json_object where the
 * provider has a JSON-schema mode but no schema-less JSON mode.
 */
export const JSON_OBJECT_INSTRUCTION = 'Respond only with a single valid JSON object. Do not add any text before or after it.';
