/**
 * Bytes one event-loop turn may move before yielding to the other sockets'
 * events. libuv reads a busy socket up to 32 times in a row (2 MiB) and every
 * other socket of the process, an interactive stream's among them, waits
 * meanwhile: the session's pump and the WebSocket transport's reads both stop
 * at this and go on at the turn's end.
 */
const TURN_BUDGET = 128 * 1024;

/**
 * The turn's end (a setImmediate) is armed only once this much has moved: an
 * interactive stream's small frames would otherwise pay an extra event-loop
 * iteration each. Bytes below it count on into later turns, so a turn may
 * yield up to this much early: never late.
 */
const TURN_ARM = 16 * 1024;

/** Counts the bytes of the current event-loop turn; `onTurnEnd` runs once an armed turn is over and the count starts afresh. */
export class TurnBudget {
  private used = 0;
  private armed = false;

  constructor(private readonly onTurnEnd: () => void) {}

  /** True once this turn's budget is spent: the caller stops until `onTurnEnd`. */
  get spent(): boolean {
    return this.used >= TURN_BUDGET;
  }

  /** Counts `bytes` moved this turn and says whether the budget is now spent. */
  spend(bytes: number): boolean {
    this.used += bytes;
    if (!this.armed && this.used >= TURN_ARM) {
      this.armed = true;
      setImmediate(this.endTurn);
    }
    return this.spent;
  }

  private readonly endTurn = (): void => {
    this.armed = false;
    this.used = 0;
    this.onTurnEnd();
  };
}
