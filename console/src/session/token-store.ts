// The token lives in sessionStorage only: gone when the tab closes, never in
// a URL, a cookie or a log.
const KEY = 'llm-gateway-console.token';

export const tokenStore = {
  read(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  write(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
