// Shared test helpers: the backends every API test runs on, and error checks.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Helpdesk, ERROR_CODES } from '../index.js'

export const DATABASE_URL = process.env.DATABASE_URL

/** A fresh, isolated schema name on the test server. */
export function freshSchema(prefix = 'node_t') {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/**
 * The backends: memory always; PostgreSQL needs DATABASE_URL (scripts/test-node.sh
 * refuses to run without it; run the suite under scripts/pg-throwaway.sh).
 */
export const backends = [
  { name: 'memory', open: async (opts = {}) => Helpdesk.inMemory(opts) },
  {
    name: 'postgres',
    open: async (opts = {}) => {
      assert.ok(DATABASE_URL, 'DATABASE_URL must be set for the PostgreSQL tests (use scripts/pg-throwaway.sh)')
      // TICKETRY_TEST_ROLE: a role subject to row-level security (scripts/pg-app-role.sh).
      const role = process.env.TICKETRY_TEST_ROLE
      const desk = await Helpdesk.connect(DATABASE_URL, { schema: freshSchema(), maxConnections: 20, ...(role ? { role } : {}), ...opts })
      await desk.migrate()
      return desk
    },
  },
]

/** Asserts that `promiseOrFn` rejects/throws a Ticketry error with `code` (and `field`). */
export async function rejectsWith(promiseOrFn, code, field) {
  assert.ok(ERROR_CODES.includes(code), `unknown code ${code}`)
  const check = (err) => {
    assert.ok(err instanceof Error, `expected an Error, got ${err}`)
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`)
    if (field !== undefined) assert.equal(err.field, field)
    return true
  }
  if (typeof promiseOrFn === 'function') {
    let threw = false
    try {
      const r = promiseOrFn()
      if (r && typeof r.then === 'function') await r
    } catch (err) {
      threw = check(err)
    }
    assert.ok(threw, `expected a ${code} error`)
  } else {
    await assert.rejects(promiseOrFn, check)
  }
}

let n = 0
/** A unique workspace slug. */
export function slug(prefix = 'ws') {
  n += 1
  return `${prefix}-${process.pid}-${n}-${randomBytes(3).toString('hex')}`
}

/** A workspace with one customer (`alice`), two agents (`bob`, `carol`). */
export async function setup(desk, input = {}) {
  const ws = await desk.createWorkspace({ name: 'Acme', slug: slug(), ...input })
  await ws.putCustomer({ id: 'alice', name: 'Alice', email: 'alice@example.com', tier: 'gold' })
  await ws.putCustomer({ id: 'dave', name: 'Dave' })
  await ws.putAgent({ id: 'bob', name: 'Bob', email: 'bob@example.com' })
  await ws.putAgent({ id: 'carol', name: 'Carol' })
  return ws
}

export const H = 3_600_000
export const MIN = 60_000
