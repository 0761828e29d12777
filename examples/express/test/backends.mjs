// The backends the example's tests run on: memory, and PostgreSQL in a
// fresh schema (DATABASE_URL, as TICKETRY_TEST_ROLE when set).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Helpdesk } from 'ticketry'

/** `[{ name, open }]`; `prefix` names the PostgreSQL schemas. */
export function backends(prefix) {
  return [
    { name: 'memory', open: async () => Helpdesk.inMemory() },
    {
      name: 'postgres',
      open: async () => {
        assert.ok(process.env.DATABASE_URL, 'DATABASE_URL must be set for the PostgreSQL tests (use scripts/pg-throwaway.sh)')
        const role = process.env.TICKETRY_TEST_ROLE
        const desk = await Helpdesk.connect(process.env.DATABASE_URL, { schema: `${prefix}_${randomBytes(6).toString('hex')}`, ...(role ? { role } : {}) })
        await desk.migrate()
        return desk
      },
    },
  ]
}
