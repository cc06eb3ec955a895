import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test-support/thrown.js';
import {
  isValidSubject,
  NatsError,
  natsSource,
  parseNatsUrl,
  publishToNats,
  redactNatsUrl,
} from '../src/index.js';

describe('parseNatsUrl', () => {
  it('reads credentials, several servers and the subject', () => {
    expect(parseNatsUrl('nats://user:pass@h1:4222,h2:4223/mjpeg.front')).toEqual({
      servers: ['h1:4222', 'h2:4223'],
      user: 'user',
      pass: 'pass',
      tls: false,
      subject: 'mjpeg.front',
    });
  });

  it('defaults the port to 4222, reads a token and decodes percent-encoding', () => {
    expect(parseNatsUrl('nats://s3cr%40t@10.0.0.1,[::1]:4300/mjpeg')).toEqual({
      servers: ['10.0.0.1:4222', '[::1]:4300'],
      token: 's3cr@t',
      tls: false,
      subject: 'mjpeg',
    });
  });

  it('turns TLS on for tls:// and for ?tls=1, and leaves the subject empty without a path', () => {
    expect(parseNatsUrl('tls://h1').servers).toEqual(['tls://h1:4222']);
    expect(parseNatsUrl('tls://h1').tls).toBe(true);
    const q = parseNatsUrl('nats://h1:4222/cams.a?tls=1');
    expect([q.tls, q.servers, q.subject]).toEqual([true, ['tls://h1:4222'], 'cams.a']);
    expect(parseNatsUrl('nats://h1').subject).toBe('');
  });

  it.each([
    ['', 'non-empty'],
    ['http://h1/x', 'unsupported scheme'],
    ['h1:4222/x', 'expected nats://'],
    ['nats:///x', 'no server'],
    ['nats://u:secretpw@h1:99999/x', "port 99999 of 'h1:99999' is not 1–65535"],
    ['nats://h1,,h2/x', "'' is not HOST or HOST:PORT"],
    ['nats://h1,h%0a2/x', "'h%0a2' is not HOST"],
    ['nats://h1/a..b', 'not dot-separated tokens without spaces or wildcards'],
    ['nats://h1/a.*', 'not dot-separated tokens without spaces or wildcards'],
    ['nats://h1/a%00b.front', 'not dot-separated tokens without spaces or wildcards'],
    ['nats://h1/a%7Fb.front', 'not dot-separated tokens without spaces or wildcards'],
    ['nats://h1/a?tls=yes', 'tls must be 1 or 0'],
    ['nats://h1/a?foo=1', "unknown parameter 'foo' (known: tls)"],
    ['nats://h1/a?f%01o=1', "unknown parameter 'f\\x01o'"],
    ['nats://:secretpw@h1/a', 'a user name is needed'],
    ['nats://@h1/a', 'empty credentials'],
  ])('rejects %j with INVALID_URL (%s), never echoing the credentials', (url, message) => {
    const error = thrownBy(() => parseNatsUrl(url), NatsError);
    expect(error.code).toBe('INVALID_URL');
    expect(error.message).toContain(message);
    if (url.includes('secretpw')) expect(error.message).not.toContain('secretpw');
  });

  it('isValidSubject refuses control characters and keeps non-ASCII tokens', () => {
    expect(isValidSubject('cams.a\u0001b')).toBe(false);
    expect(isValidSubject('cams.a\u007fb')).toBe(false);
    expect(isValidSubject('cams.kamera-\u00fc')).toBe(true);
  });

  it('rejects an over-long URL', () => {
    expect(thrownBy(() => parseNatsUrl(`nats://h/${'a'.repeat(5000)}`), NatsError).code).toBe('INVALID_URL');
  });
});

describe('redactNatsUrl', () => {
  it('replaces user:pass@ and token@ and secret query values', () => {
    expect(redactNatsUrl('nats://user:pass@h1:4222,h2/mjpeg.front')).toBe(
      'nats://***@h1:4222,h2/mjpeg.front',
    );
    expect(redactNatsUrl('tok@h1:4222')).toBe('***@h1:4222');
    expect(redactNatsUrl('nats://h1/x?token=abc&tls=1')).toBe('nats://h1/x?token=***&tls=1');
    expect(redactNatsUrl('127.0.0.1:4222')).toBe('127.0.0.1:4222');
  });
});

describe('option checks', () => {
  it('natsSource rejects a wildcard subject and bad limits with INVALID_OPTION', () => {
    expect(thrownBy(() => natsSource({ servers: '127.0.0.1:1', subject: 'a.>' }), NatsError).code).toBe(
      'INVALID_OPTION',
    );
    expect(
      thrownBy(() => natsSource({ servers: '127.0.0.1:1', subject: 'a.b', maxPendingFrames: 0 }), NatsError)
        .code,
    ).toBe('INVALID_OPTION');
    expect(thrownBy(() => natsSource({ servers: [], subject: 'a.b' }), NatsError).code).toBe(
      'INVALID_OPTION',
    );
  });

  it('publishToNats rejects a camera with a dot and fails to connect with CONNECT_FAILED without the password', async () => {
    const hub = { subscribe: () => () => {} };
    await expect(
      publishToNats(hub, { servers: '127.0.0.1:1', prefix: 'p', camera: 'a.b' }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    const error = await publishToNats(hub, {
      servers: 'nats://u:hunter2@127.0.0.1:1',
      prefix: 'p',
      camera: 'a',
    }).catch((e: NatsError) => e);
    expect(error).toBeInstanceOf(NatsError);
    expect((error as NatsError).code).toBe('CONNECT_FAILED');
    expect((error as NatsError).message).not.toContain('hunter2');
  });
});

describe('clientOptions', () => {
  it('moves URL credentials into options, strips schemes, turns TLS on for tls:// and reconnects forever', async () => {
    const { clientOptions } = await import('../src/connection.js');
    const o = clientOptions({ servers: ['nats://u:pw@h1:4222', 'tls://h2:4300'], name: 'edge' });
    expect(o.servers).toEqual(['h1:4222', 'h2:4300']);
    expect([o.user, o.pass, o.name]).toEqual(['u', 'pw', 'edge']);
    expect(o.tls).toEqual({});
    expect(o.maxReconnectAttempts).toBe(-1);
    const files = clientOptions({
      servers: 'h1',
      tls: { ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' },
      token: 't',
    });
    expect(files.tls).toEqual({ caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' });
    expect(files.token).toBe('t');
    expect(clientOptions({ servers: 'h1:4222' }).tls).toBeUndefined();
  });
});
