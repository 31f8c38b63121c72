/**
 * Host patterns of the HTTP router and of access limits: an exact host,
 * "*.suffix" (any name ending in .suffix, not the suffix itself), or "*".
 */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** Whether a claim of route host `claim` is covered by an allowed pattern (a wildcard claim needs an equal or wider pattern). */
export function claimAllowed(allowed: readonly string[], claim: string): boolean {
  return allowed.some((p) => {
    if (p === '*') return true;
    if (claim === '*') return false;
    if (claim.startsWith('*.')) return p.startsWith('*.') && (claim === p || claim.endsWith(p.slice(1)));
    return hostMatches(p, claim);
  });
}
