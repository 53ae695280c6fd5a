// The one error type services throw; the error middleware turns it into
// {"error":{"code","message","details"}}.

export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: ErrorDetail[]) => new ApiError(400, code, message, details);
export const notFound = (what: string, key: string) => new ApiError(404, 'not_found', `${what} '${key}' does not exist`);
export const conflict = (code: string, message: string, details?: ErrorDetail[]) => new ApiError(409, code, message, details);
export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

/** A service-level validation failure on one field (same shape as schema errors). */
export const invalidField = (field: string, message: string) => new ApiError(400, 'validation_failed', `${field}: ${message}`, [{ field, message }]);
