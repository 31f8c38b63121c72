/** A set of TCP ports written as a comma list of ports and ranges: "1024-65535", "6143,6191,7000-7010". */
export class PortSet {
  private constructor(private readonly ranges: readonly [number, number][]) {}

  static parse(text: string | readonly (string | number)[]): PortSet {
    const parts = (Array.isArray(text) ? text.map(String) : String(text).split(','))
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean);
    const ranges: [number, number][] = [];
    for (const p of parts) {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p);
      if (!m) throw new RangeError(`"${p}" is not a port or a port range like 7000-7010`);
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (a < 1 || b > 65535 || b < a) throw new RangeError(`"${p}" must lie within 1-65535, low to high`);
      ranges.push([a, b]);
    }
    return new PortSet(ranges);
  }

  has(port: number): boolean {
    return this.ranges.some(([a, b]) => port >= a && port <= b);
  }

  toString(): string {
    return this.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  }
}
