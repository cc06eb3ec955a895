import { describe, expect, it } from 'vitest';
import {
  budgetSummary,
  HTTP1_CONNECTIONS_PER_ORIGIN,
  stalledNote,
  streamBudget,
  waitingNote,
} from '../src/connection-budget.js';

describe('streamBudget', () => {
  it('keeps one of the six HTTP/1.1 connections for the page', () => {
    expect(streamBudget('http/1.1')).toEqual({ streams: 5, connectionLimit: 6, protocol: 'http/1.1' });
    expect(HTTP1_CONNECTIONS_PER_ORIGIN).toBe(6);
  });

  it('counts an unknown protocol as HTTP/1.1, so no stream queues unseen', () => {
    expect(streamBudget('').streams).toBe(5);
    expect(streamBudget('http/1.0').connectionLimit).toBe(6);
  });

  it('sets no limit over HTTP/2 and HTTP/3, whose streams share one connection', () => {
    for (const protocol of ['h2', 'H2', 'h3', 'h3-29']) {
      expect(streamBudget(protocol)).toMatchObject({
        streams: Number.POSITIVE_INFINITY,
        connectionLimit: undefined,
      });
    }
  });
});

describe('the notes', () => {
  const budget = streamBudget('http/1.1');

  it('says a waiting tile waits on the browser’s six HTTP/1.1 connections', () => {
    expect(waitingNote(budget)).toMatch(
      /^waiting: the browser allows 6 connections to this server over HTTP\/1\.1/,
    );
    expect(stalledNote(budget)).toMatch(/allows 6 connections to this server over HTTP\/1\.1/);
  });

  it('sums up only when some cameras wait', () => {
    expect(budgetSummary(budget, 5)).toBeUndefined();
    expect(budgetSummary(budget, 8)).toMatch(/^5 of 8 cameras play live: the browser allows 6 connections/);
    expect(budgetSummary(streamBudget('h2'), 40)).toBeUndefined();
  });
});
