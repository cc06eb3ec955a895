import { describe, expect, it } from 'vitest';
import { ConnectionLog } from '../src/index.js';

describe('ConnectionLog', () => {
  it('counts the connections open at the end of a window, not the teardown after it', () => {
    const log = new ConnectionLog();
    for (let i = 0; i < 5; i++) log.opened(100 + i);
    log.closed(1500); // the server drops one inside the window [1000, 2000]
    for (let i = 0; i < 4; i++) log.closed(2100 + i); // the load generator tears the rest down after it
    expect(log.openAt(2000)).toBe(4);
    expect(log.closedBetween(1000, 2000)).toBe(1);
    expect(log.openAt(3000)).toBe(0);
  });

  it('leaves out closes before the window and includes one at its last instant', () => {
    const log = new ConnectionLog();
    log.opened(0);
    log.opened(0);
    log.opened(0);
    log.closed(999);
    log.closed(2000);
    expect(log.closedBetween(1000, 2000)).toBe(1);
    expect(log.openAt(1000)).toBe(2);
  });
});
