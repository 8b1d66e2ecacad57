import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { hmacSha256, sha256 } from './sha256.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const ascii = (text: string) => new TextEncoder().encode(text);

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(hex(sha256(ascii('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('matches node:crypto for every length around the block and padding boundaries', () => {
    const random = createRandom(7);
    for (let length = 0; length <= 200; length++) {
      const message = Uint8Array.from({ length }, () => random.nextInt(256));
      expect(hex(sha256(message))).toBe(createHash('sha256').update(message).digest('hex'));
    }
  });
});

describe('hmacSha256', () => {
  // RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (5 truncates its output, which this module never does).
  const cases: [string, string, string][] = [
    ['0b'.repeat(20), hex(ascii('Hi There')), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [hex(ascii('Jefe')), hex(ascii('what do ya want for nothing?')), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['aa'.repeat(20), 'dd'.repeat(50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
    ['0102030405060708090a0b0c0d0e0f10111213141516171819', 'cd'.repeat(50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
    ['aa'.repeat(131), hex(ascii('Test Using Larger Than Block-Size Key - Hash Key First')), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    ['aa'.repeat(131), hex(ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.')), '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
  ];
  it.each(cases)('matches RFC 4231 (key %s)', (key, data, expected) => {
    expect(hex(hmacSha256(fromHex(key), fromHex(data)))).toBe(expected);
  });

  it('matches node:crypto for random keys and messages', () => {
    const random = createRandom(11);
    for (let trial = 0; trial < 100; trial++) {
      const key = Uint8Array.from({ length: random.nextInt(100) }, () => random.nextInt(256));
      const message = Uint8Array.from({ length: random.nextInt(150) }, () => random.nextInt(256));
      expect(hex(hmacSha256(key, message))).toBe(createHmac('sha256', key).update(message).digest('hex'));
    }
  });
});
