import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  digestAuthorization,
  parseAuthChallenges,
  pickDigestChallenge,
  splitCredentials,
} from '../src/auth.js';

/** Parses `Digest a="b", c=d` back into a map, to assert fields without depending on their order. */
function digestFields(header: string): Map<string, string> {
  expect(header.startsWith('Digest ')).toBe(true);
  return parseAuthChallenges(header)[0]!.params;
}

describe('splitCredentials', () => {
  it('moves user and password out of the URL, percent-decoded', () => {
    const { url, credentials } = splitCredentials('http://ad%40min:p%3Ass%20w@cam.local:8080/video.mjpg?x=1');
    expect(url.href).toBe('http://cam.local:8080/video.mjpg?x=1');
    expect(credentials).toEqual({ username: 'ad@min', password: 'p:ss w' });
  });

  it('leaves a URL without credentials alone', () => {
    const { url, credentials } = splitCredentials('http://cam.local/stream');
    expect(url.href).toBe('http://cam.local/stream');
    expect(credentials).toBeUndefined();
  });

  it('keeps a user without a password', () => {
    expect(splitCredentials('http://viewer@cam.local/').credentials).toEqual({
      username: 'viewer',
      password: '',
    });
  });

  it('throws on a relative URL', () => {
    expect(() => splitCredentials('/stream')).toThrow(TypeError);
  });
});

describe('basicAuthorization', () => {
  it('encodes the RFC 7617 §2 example', () => {
    expect(basicAuthorization({ username: 'Aladdin', password: 'open sesame' })).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
  });

  it('encodes non-ASCII credentials as UTF-8 (RFC 7617 §2.1)', () => {
    expect(basicAuthorization({ username: 'test', password: '123£' })).toBe('Basic dGVzdDoxMjPCow==');
  });
});

describe('parseAuthChallenges', () => {
  it('reads several challenges joined in one value, quoted and token values', () => {
    const challenges = parseAuthChallenges(
      'Basic realm="cam", Digest realm="IP Camera", qop="auth,auth-int", nonce="abc,def", algorithm=MD5, stale=FALSE',
    );
    expect(challenges.map((challenge) => challenge.scheme)).toEqual(['basic', 'digest']);
    expect(challenges[0]!.params.get('realm')).toBe('cam');
    const digest = challenges[1]!.params;
    expect(Object.fromEntries(digest)).toEqual({
      realm: 'IP Camera',
      qop: 'auth,auth-int',
      nonce: 'abc,def',
      algorithm: 'MD5',
      stale: 'FALSE',
    });
  });

  it('unescapes quoted-pairs and lower-cases scheme and parameter names', () => {
    const [challenge] = parseAuthChallenges('DIGEST Realm="say \\"hi\\"", NONCE="n\\\\1"');
    expect(challenge!.scheme).toBe('digest');
    expect(challenge!.params.get('realm')).toBe('say "hi"');
    expect(challenge!.params.get('nonce')).toBe('n\\1');
  });

  it('skips a token68 after a scheme', () => {
    const challenges = parseAuthChallenges('Negotiate YII=, Digest nonce="x"');
    expect(challenges.map((challenge) => challenge.scheme)).toEqual(['negotiate', 'digest']);
    expect(challenges[0]!.params.size).toBe(0);
    expect(challenges[1]!.params.get('nonce')).toBe('x');
  });

  it('never throws on garbage', () => {
    for (const value of ['', '=', '"', 'Digest realm="unterminated', ',,,', 'Digest ="x"', '\u0000\u00ff']) {
      expect(() => parseAuthChallenges(value)).not.toThrow();
    }
  });
});

describe('pickDigestChallenge', () => {
  it('prefers SHA-256 over MD5 whatever the order (RFC 7616 §3.7)', () => {
    const challenges = parseAuthChallenges(
      'Digest realm="r", nonce="1", algorithm=MD5, Digest realm="r", nonce="2", algorithm=SHA-256',
    );
    expect(pickDigestChallenge(challenges)!.params.get('nonce')).toBe('2');
  });

  it('treats a missing algorithm as MD5 and ignores algorithms it cannot compute', () => {
    const challenges = parseAuthChallenges('Digest nonce="1", algorithm=SHA-512-256, Digest nonce="2"');
    expect(pickDigestChallenge(challenges)!.params.get('nonce')).toBe('2');
    expect(
      pickDigestChallenge(parseAuthChallenges('Digest nonce="1", algorithm=SHA-512-256')),
    ).toBeUndefined();
    expect(pickDigestChallenge(parseAuthChallenges('Basic realm="x"'))).toBeUndefined();
  });
});

describe('digestAuthorization', () => {
  // RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
  const rfc7616 = (algorithm: string) =>
    parseAuthChallenges(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    )[0]!;
  const mufasa = { username: 'Mufasa', password: 'Circle of Life' };
  const request = {
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  it.each([
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
  ])('answers the RFC 7616 §3.9.1 example with %s', async (algorithm, response) => {
    const fields = digestFields(await digestAuthorization(rfc7616(algorithm), mufasa, request));
    expect(Object.fromEntries(fields)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      uri: '/dir/index.html',
      algorithm,
      response,
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
  });

  it('answers the RFC 2617 §3.5 example', async () => {
    const challenge = parseAuthChallenges(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )[0]!;
    const header = await digestAuthorization(
      challenge,
      { username: 'Mufasa', password: 'Circle Of Life' },
      { method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' },
    );
    expect(digestFields(header).get('response')).toBe('6629fae49393a05397450978507c4ef1');
  });

  const h = (algorithm: 'md5' | 'sha256', text: string) => createHash(algorithm).update(text).digest('hex');

  it('answers without qop the RFC 2069 way, without nc or cnonce', async () => {
    const challenge = parseAuthChallenges('Digest realm="r", nonce="n"')[0]!;
    const fields = digestFields(
      await digestAuthorization(
        challenge,
        { username: 'u', password: 'p' },
        { method: 'GET', uri: '/s', nc: 1 },
      ),
    );
    expect(fields.get('response')).toBe(h('md5', `${h('md5', 'u:r:p')}:n:${h('md5', 'GET:/s')}`));
    expect(fields.has('qop')).toBe(false);
    expect(fields.has('nc')).toBe(false);
    expect(fields.has('cnonce')).toBe(false);
  });

  it('computes -sess session keys and counts nc in hex', async () => {
    const challenge = parseAuthChallenges(
      'Digest realm="r", nonce="n", qop=auth, algorithm=SHA-256-sess',
    )[0]!;
    const fields = digestFields(
      await digestAuthorization(
        challenge,
        { username: 'u', password: 'p' },
        { method: 'GET', uri: '/s?a=1', nc: 26, cnonce: 'c' },
      ),
    );
    const ha1 = h('sha256', `${h('sha256', 'u:r:p')}:n:c`);
    expect(fields.get('nc')).toBe('0000001a');
    expect(fields.get('response')).toBe(h('sha256', `${ha1}:n:0000001a:c:auth:${h('sha256', 'GET:/s?a=1')}`));
  });

  it('hashes the empty body for qop=auth-int and the user name for userhash=true', async () => {
    const challenge = parseAuthChallenges('Digest realm="r", nonce="n", qop="auth-int", userhash=true')[0]!;
    const fields = digestFields(
      await digestAuthorization(
        challenge,
        { username: 'u', password: 'p' },
        { method: 'GET', uri: '/', nc: 1, cnonce: 'c' },
      ),
    );
    const ha2 = h('md5', `GET:/:${h('md5', '')}`);
    expect(fields.get('qop')).toBe('auth-int');
    expect(fields.get('username')).toBe(h('md5', 'u:r'));
    expect(fields.get('userhash')).toBe('true');
    expect(fields.get('response')).toBe(h('md5', `${h('md5', 'u:r:p')}:n:00000001:c:auth-int:${ha2}`));
  });

  it('makes a fresh random cnonce when none is given', async () => {
    const challenge = parseAuthChallenges('Digest realm="r", nonce="n", qop=auth')[0]!;
    const a = digestFields(await digestAuthorization(challenge, mufasa, { method: 'GET', uri: '/', nc: 1 }));
    const b = digestFields(await digestAuthorization(challenge, mufasa, { method: 'GET', uri: '/', nc: 1 }));
    expect(a.get('cnonce')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.get('cnonce')).not.toBe(b.get('cnonce'));
  });

  it('refuses an algorithm it cannot compute', async () => {
    const challenge = parseAuthChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-256')[0]!;
    await expect(digestAuthorization(challenge, mufasa, request)).rejects.toThrow(/SHA-512-256/);
  });
});
