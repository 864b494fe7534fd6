import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Mongo-style ObjectId strings: 4-byte seconds timestamp, 5 bytes fixed per generator (Mongo: per process),
 * 3-byte counter starting at a random value. Clients sometimes read the creation time from the prefix, and
 * the real server's ids sort by creation, so ours do too.
 */
export class ObjectIdGenerator {
  private readonly processPart = randomBytes(5).toString('hex');
  private counter = randomBytes(3).readUIntBE(0, 3);

  next(nowMs: number = Date.now()): string {
    this.counter = (this.counter + 1) & 0xffffff;
    const seconds = Math.floor(nowMs / 1000) >>> 0;
    return seconds.toString(16).padStart(8, '0') + this.processPart + this.counter.toString(16).padStart(6, '0');
  }
}

const HEX24 = /^[0-9a-fA-F]{24}$/;

/**
 * Whether mongoose 5 (bson 1) would accept `value` as an ObjectId: 24 hex chars, or ANY 12-character string.
 * The second rule is a real-server quirk: `/abcdefghijkl/requests` is a "valid" project id that is then not found.
 */
export function isObjectIdLike(value: unknown): value is string {
  if (typeof value === 'number') return true;
  return typeof value === 'string' && (value.length === 12 || HEX24.test(value));
}

/** The canonical (lower-case hex) form of an ObjectId-like string, as Mongo would cast it; undefined if invalid. */
export function castObjectId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (HEX24.test(value)) return value.toLowerCase();
  if (value.length === 12) return Buffer.from(value, 'latin1').toString('hex');
  return undefined;
}

export const uuidv4 = (): string => randomUUID();

/** `UIDGenerator.generate()` of the real server: a v4 uuid without dashes. */
export const compactUuid = (): string => randomUUID().replace(/-/g, '');
