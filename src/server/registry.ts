/**
 * Who owns which route ("tcp:6143", "http:demo.example.com", "http:*").
 * A route belongs to one client id at a time: the same id coming back takes
 * its routes over (its old session is stale), a different id is refused.
 */
export type ClaimOutcome = { kind: 'new' } | { kind: 'takeover' } | { kind: 'taken'; by: string };

export interface Owner {
  readonly clientId: string;
}

export class RouteRegistry<O extends Owner> {
  private readonly routes = new Map<string, O>();

  check(route: string, owner: O): ClaimOutcome {
    const cur = this.routes.get(route);
    if (!cur) return { kind: 'new' };
    if (cur.clientId === owner.clientId) return { kind: 'takeover' };
    return { kind: 'taken', by: cur.clientId };
  }

  set(route: string, owner: O): void {
    this.routes.set(route, owner);
  }

  get(route: string): O | undefined {
    return this.routes.get(route);
  }

  /** Removes the route if `owner` (this exact object) still holds it. */
  release(route: string, owner: O): boolean {
    if (this.routes.get(route) !== owner) return false;
    this.routes.delete(route);
    return true;
  }

  routesOf(owner: O): string[] {
    return [...this.routes].filter(([, o]) => o === owner).map(([r]) => r);
  }

  entries(): IterableIterator<[string, O]> {
    return this.routes.entries();
  }
}
