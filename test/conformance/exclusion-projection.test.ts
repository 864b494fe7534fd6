/**
 * The real-server harness's exclusion projection (scripts/real-server/harness/db/exclusion.mjs): MongoDB's semantics
 * for dotted paths, and the stored document never changes. CongoDB deleted `snapshot.agents` from the stored request
 * on every read that excluded it, which hid conversations from their department's agents on the loopback server.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs module of the harness, without types
import { excludeDottedPaths, withoutDottedExclusions } from '../../scripts/real-server/harness/db/exclusion.mjs';

const exclude = excludeDottedPaths as (document: unknown, projection: unknown) => unknown;
const rest = withoutDottedExclusions as (projection: unknown) => unknown;

describe('real-server harness: dotted exclusion projections', () => {
  it('removes the nested field from the answer and leaves the stored document as it was', () => {
    const stored = { _id: 1, snapshot: { agents: [{ id_user: 'a' }], department: { name: 'd' } }, status: 200 };
    const before = structuredClone(stored);
    expect(exclude(stored, { 'snapshot.agents': 0 })).toEqual({ _id: 1, snapshot: { department: { name: 'd' } }, status: 200 });
    expect(stored).toEqual(before);
  });

  it('applies the path to every element of an array on the way, keeping elements that are not documents', () => {
    const stored = { a: [{ b: 1, c: 2 }, 3, [{ b: 4 }], null] };
    const before = structuredClone(stored);
    expect(exclude(stored, { 'a.b': false })).toEqual({ a: [{ c: 2 }, 3, [{}], null] });
    expect(stored).toEqual(before);
  });

  it('leaves a document whose path meets a scalar, null or a missing field unchanged', () => {
    for (const stored of [{ snapshot: null }, { snapshot: 'x' }, { other: 1 }, { snapshot: { department: {} } }]) {
      expect(exclude(stored, { 'snapshot.agents': 0 })).toEqual(stored);
    }
  });

  it('does not copy BSON-like values (class instances) on the way', () => {
    class ObjectIdLike {
      agents = 1;
    }
    const id = new ObjectIdLike();
    const answer = exclude({ snapshot: id }, { 'snapshot.agents': 0 }) as { snapshot: unknown };
    expect(answer.snapshot).toBe(id);
  });

  it('leaves top-level exclusions and inclusions to CongoDB', () => {
    expect(rest({ 'snapshot.agents': 0, password: 0, _id: 0 })).toEqual({ password: 0, _id: 0 });
    expect(rest({ 'a.b': 1, c: 1 })).toEqual({ 'a.b': 1, c: 1 });
  });
});
