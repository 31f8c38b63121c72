/** Spells: stretches in which most round trips are slow, as opposed to slow round trips scattered alone. */

export interface Spell {
  /** Start of the first and of the last round trip in it (ms, the clock of the input). */
  start: number;
  end: number;
  n: number;
  medianUs: number;
}

/**
 * Slides a window of `windowMs` over round trips ordered by start time; a window with at least
 * `minRoundTrips` round trips, more than half of them over `slowUs`, opens a spell at its first slow
 * round trip, which runs to the end of the window and on while round trips stay over `0.8 × slowUs`.
 */
export function findSpells(rtts: readonly { t: number; us: number }[], slowUs: number, windowMs = 20, minRoundTrips = 10): Spell[] {
  const found: { t: number; us: number }[][] = [];
  let i = 0;
  while (i < rtts.length) {
    let j = i;
    while (j < rtts.length && rtts[j]!.t < rtts[i]!.t + windowMs) j++;
    const slow = rtts.slice(i, j).filter((r) => r.us > slowUs).length;
    if (j - i < minRoundTrips || slow * 2 <= j - i) {
      i++;
      continue;
    }
    // The spell starts at the window's first slow round trip, and runs on past the window while they stay slow.
    while (rtts[i]!.us <= slowUs) i++;
    let k = Math.max(j, i + 1);
    while (k < rtts.length && rtts[k]!.us > 0.8 * slowUs) k++;
    let end = k;
    while (rtts[end - 1]!.us <= 0.8 * slowUs) end--; // a window that ran past a short spell's end
    const members = rtts.slice(i, end);
    const last = found[found.length - 1];
    // A spell that picks up where the previous one stopped is the same spell.
    if (last && members[0]!.t <= last[last.length - 1]!.t + windowMs) last.push(...members);
    else found.push(members);
    i = k;
  }
  return found.map((members) => {
    const us = members.map((r) => r.us).sort((a, b) => a - b);
    return { start: members[0]!.t, end: members[members.length - 1]!.t, n: members.length, medianUs: us[us.length >> 1]! };
  });
}
